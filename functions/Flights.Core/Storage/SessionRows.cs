using Flights.Core.Sessions;
using Npgsql;
using NpgsqlTypes;
using static Flights.Core.Storage.SmartWriter;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>
/// Reading and writing <c>flight_sessions</c> rows as <see cref="FlightSession"/> working copies: shared by
/// the smart write and the stale-flight closer so both store a session the same way.
/// </summary>
internal static class SessionRows
{
    /// <summary>The session columns <see cref="Read"/> expects, in order (16 columns, table alias <c>s</c>).</summary>
    internal const string Columns = """
        s.session_id, s.aircraft_id, s.callsign, s.started_at, s.start_reason, s.last_signal_at, s.last_point_at,
        s.last_point_lat, s.last_point_lon, s.point_count, s.state_count, s.max_gap_s, s.distance_km,
        s.max_altitude_m, s.ground_since, s.ground_point::text
        """;

    // Changed sessions reach the server by binary COPY into a temporary table rather than as array parameters:
    // unnest over 16 arrays materialises each of them first (EXPLAIN ANALYZE: the update of 12,000 sessions from
    // a staged table took 45-54 ms, from unnest 96-147 ms). The table lives until the end of the transaction.
    private const string CreateStage = """
        create temp table session_stage (
            id bigint, aircraft_id bigint, callsign text, started_at timestamptz, start_reason text,
            last_signal_at timestamptz, last_point_at timestamptz, last_point_lat float8, last_point_lon float8,
            point_count int, state_count int, max_gap_s int, distance_km float8, max_altitude_m float8,
            ground_since timestamptz, ground_point text, ended_at timestamptz, end_reason text, new_points text
        ) on commit drop
        """;

    private const string CopyStage = """
        copy session_stage (id, aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at,
            last_point_lat, last_point_lon, point_count, state_count, max_gap_s, distance_km, max_altitude_m,
            ground_since, ground_point, ended_at, end_reason, new_points) from stdin (format binary)
        """;

    /// <summary>Applies the staged sessions that exist (id not null); route points are appended.</summary>
    internal const string UpdateFromStage = """
        update flight_sessions s
        set callsign = u.callsign, last_signal_at = u.last_signal_at, last_point_at = u.last_point_at,
            last_point_lat = u.last_point_lat, last_point_lon = u.last_point_lon, point_count = u.point_count,
            state_count = u.state_count, max_gap_s = u.max_gap_s, distance_km = u.distance_km,
            max_altitude_m = u.max_altitude_m, ground_since = u.ground_since, ground_point = u.ground_point::jsonb,
            ended_at = u.ended_at, end_reason = u.end_reason,
            route = case when u.new_points is null then s.route else s.route || u.new_points::jsonb end
        from session_stage u
        where u.id is not null and s.session_id = u.id
        """;

    /// <summary>Inserts the staged sessions that are new (id null).</summary>
    internal const string InsertFromStage = """
        insert into flight_sessions (aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at,
            last_point_lat, last_point_lon, point_count, state_count, max_gap_s, distance_km, max_altitude_m,
            ground_since, ground_point, ended_at, end_reason, route)
        select aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at, last_point_lat, last_point_lon,
               point_count, state_count, max_gap_s, distance_km, max_altitude_m, ground_since, ground_point::jsonb,
               ended_at, end_reason, coalesce(new_points::jsonb, '[]'::jsonb)
        from session_stage
        where id is null
        order by aircraft_id, started_at
        """;

    /// <summary>
    /// Copies the sessions into <c>session_stage</c>, a temporary table dropped at commit; <see cref="UpdateFromStage"/>
    /// and <see cref="InsertFromStage"/> then apply them. Must run inside a transaction.
    /// </summary>
    internal static async Task StageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StagedSession> sessions, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var copy = await connection.BeginBinaryImportAsync(CopyStage, cancellationToken);
        foreach (var session in sessions)
        {
            // Synchronous writes fill Npgsql's buffer and send it when full; an await per value made the copy of
            // 12,000 sessions (19 values each) several times slower.
            session.WriteTo(copy);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Reads the <see cref="Columns"/> starting at <paramref name="offset"/>.</summary>
    internal static FlightSession Read(NpgsqlDataReader reader, int offset) => new()
    {
        SessionId = reader.GetInt64(offset),
        AircraftId = reader.GetInt64(offset + 1),
        Callsign = NullableString(reader, offset + 2),
        StartedAt = ToUnix(reader.GetFieldValue<DateTime>(offset + 3)),
        StartReason = reader.GetString(offset + 4),
        LastSignalAt = ToUnix(reader.GetFieldValue<DateTime>(offset + 5)),
        LastPointAt = NullableTime(reader, offset + 6),
        LastPointLatitude = NullableDouble(reader, offset + 7),
        LastPointLongitude = NullableDouble(reader, offset + 8),
        PointCount = reader.GetInt32(offset + 9),
        StateCount = reader.GetInt32(offset + 10),
        MaxGapSeconds = reader.GetInt32(offset + 11),
        DistanceKm = reader.GetDouble(offset + 12),
        MaxAltitudeM = NullableDouble(reader, offset + 13),
        GroundSince = NullableTime(reader, offset + 14),
        GroundPoint = reader.IsDBNull(offset + 15) ? null : RoutePoint.FromJson(reader.GetString(offset + 15)),
    };

    /// <summary>
    /// One session as staged: its values converted and its new route points already JSON, so the smart write
    /// prepares the rows while the server applies Logic A.
    /// </summary>
    internal sealed class StagedSession(FlightSession session)
    {
        private readonly long? id = session.SessionId;
        private readonly long aircraftId = session.AircraftId;
        private readonly string? callsign = session.Callsign;
        private readonly DateTime startedAt = ToUtc(session.StartedAt);
        private readonly string startReason = session.StartReason;
        private readonly DateTime lastSignalAt = ToUtc(session.LastSignalAt);
        private readonly DateTime? lastPointAt = ToUtc(session.LastPointAt);
        private readonly double? lastPointLatitude = session.LastPointLatitude;
        private readonly double? lastPointLongitude = session.LastPointLongitude;
        private readonly int pointCount = session.PointCount;
        private readonly int stateCount = session.StateCount;
        private readonly int maxGapSeconds = session.MaxGapSeconds;
        private readonly double distanceKm = session.DistanceKm; // unrounded: a sum rounded on every write depends on where batches split
        private readonly double? maxAltitudeM = session.MaxAltitudeM;
        private readonly DateTime? groundSince = ToUtc(session.GroundSince);
        private readonly string? groundPoint = session.GroundPoint is null ? null : RoutePoint.ToJsonArray([session.GroundPoint])[1..^1];
        private readonly DateTime? endedAt = ToUtc(session.EndedAt);
        private readonly string? endReason = session.EndReason;
        private readonly string? newPoints = session.NewPoints.Count == 0 ? null : RoutePoint.ToJsonArray(session.NewPoints);

        public void WriteTo(NpgsqlBinaryImporter copy)
        {
            copy.StartRow();
            Write(copy, id, NpgsqlDbType.Bigint);
            copy.Write(aircraftId, NpgsqlDbType.Bigint);
            Write(copy, callsign);
            copy.Write(startedAt, NpgsqlDbType.TimestampTz);
            copy.Write(startReason, NpgsqlDbType.Text);
            copy.Write(lastSignalAt, NpgsqlDbType.TimestampTz);
            Write(copy, lastPointAt, NpgsqlDbType.TimestampTz);
            Write(copy, lastPointLatitude, NpgsqlDbType.Double);
            Write(copy, lastPointLongitude, NpgsqlDbType.Double);
            copy.Write(pointCount, NpgsqlDbType.Integer);
            copy.Write(stateCount, NpgsqlDbType.Integer);
            copy.Write(maxGapSeconds, NpgsqlDbType.Integer);
            copy.Write(distanceKm, NpgsqlDbType.Double);
            Write(copy, maxAltitudeM, NpgsqlDbType.Double);
            Write(copy, groundSince, NpgsqlDbType.TimestampTz);
            Write(copy, groundPoint);
            Write(copy, endedAt, NpgsqlDbType.TimestampTz);
            Write(copy, endReason);
            Write(copy, newPoints);
        }

        private static void Write<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
            where T : struct
        {
            if (value is { } v)
            {
                copy.Write(v, type);
            }
            else
            {
                copy.WriteNull();
            }
        }

        private static void Write(NpgsqlBinaryImporter copy, string? value)
        {
            if (value is null)
            {
                copy.WriteNull();
            }
            else
            {
                copy.Write(value, NpgsqlDbType.Text);
            }
        }
    }
}
