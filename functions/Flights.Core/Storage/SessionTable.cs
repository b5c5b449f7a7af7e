using Flights.Core.Sessions;
using Npgsql;
using NpgsqlTypes;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>
/// The SQL of <c>flight_sessions</c> and <c>route_points</c> (migration 010). A session row is written when the
/// flight opens (with its opening values: what it will be is not known yet) and when it ends (with its final
/// values, and its route points folded into the JSONB route); in between, its running values live in the
/// aircraft's live row and its points in <c>route_points</c>, and <c>flight_sessions_current</c> shows it whole.
/// Shared by the smart write and the stale-flight closer, so both store a session the same way.
/// </summary>
internal static class SessionTable
{
    /// <summary>
    /// The session columns of a history read, named <c>session_*</c>: from <c>flight_sessions</c> (alias <c>s</c>, the
    /// open session) and the running values from its aircraft's live row (alias <c>l</c>, named <c>running_*</c>).
    /// </summary>
    internal const string HistoryColumns = """
        s.session_id as session_id, s.started_at as session_started_at, s.start_reason as session_start_reason,
        s.callsign as session_callsign, s.last_signal_at as session_last_signal_at, s.last_point_at as session_last_point_at,
        s.last_point_lat as session_last_point_lat, s.last_point_lon as session_last_point_lon,
        s.point_count as session_point_count, s.state_count as session_state_count, s.max_gap_s as session_max_gap_s,
        s.distance_km as session_distance_km, s.max_altitude_m as session_max_altitude_m,
        s.ground_since as session_ground_since, s.ground_point::text as session_ground_point,
        l.flight_session_id as running_session_id,
        l.flight_callsign as running_callsign, l.flight_last_signal_at as running_last_signal_at, l.flight_last_point_at as running_last_point_at,
        l.flight_last_point_lat as running_last_point_lat, l.flight_last_point_lon as running_last_point_lon,
        l.flight_point_count as running_point_count, l.flight_state_count as running_state_count, l.flight_max_gap_s as running_max_gap_s,
        l.flight_distance_km as running_distance_km, l.flight_max_altitude_m as running_max_altitude_m,
        l.flight_ground_since as running_ground_since, l.flight_ground_point::text as running_ground_point
        """;

    // The closer's candidates by the rules, locked with their aircraft row; the rules are checked again in code
    // on the locked values (SessionRules.TryEndBySilence).
    internal const string LockEndCandidates = $"""
        select d.transponder_hex, s.aircraft_id as session_aircraft_id, {HistoryColumns}, {LiveStatusTable.HistoryColumns}
        from flight_sessions_current s
        join dim_aircrafts d on d.aircraft_id = s.aircraft_id
        left join live_status l on l.aircraft_id = s.aircraft_id
        where s.ended_at is null
          and (s.last_signal_at < @silent_before or (@landing and s.ground_since <= @grounded_before))
        order by d.transponder_hex
        limit @chunk
        for update of d skip locked
        """;

    // Ids for the sessions a batch opens, taken from the table's identity sequence before the rows are written:
    // the aircraft's live row and the route points of a new flight name it in the same transaction.
    private const string ReserveIds = """
        select nextval(pg_get_serial_sequence('flight_sessions', 'session_id')) from generate_series(1, @count)
        """;

    // COPY writes the given identity values (as INSERT ... OVERRIDING SYSTEM VALUE would).
    private const string CopyOpened = """
        copy flight_sessions (session_id, aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at,
            last_point_lat, last_point_lon, point_count, state_count, max_gap_s, distance_km, max_altitude_m,
            ground_since, ground_point, ended_at, end_reason, route) from stdin (format binary)
        """;

    private const string CopyPoints = "copy route_points (session_id, point_time, point) from stdin (format binary)";

    private const string CreateEndStage = """
        create temp table session_end_stage (
            id bigint, callsign text, last_signal_at timestamptz, last_point_at timestamptz, last_point_lat float8,
            last_point_lon float8, point_count int, state_count int, max_gap_s int, distance_km float8, max_altitude_m float8,
            ground_since timestamptz, ground_point jsonb, ended_at timestamptz, end_reason text, new_points jsonb
        ) on commit drop
        """;

    private const string CopyEndStage = """
        copy session_end_stage (id, callsign, last_signal_at, last_point_at, last_point_lat, last_point_lon, point_count,
            state_count, max_gap_s, distance_km, max_altitude_m, ground_since, ground_point, ended_at, end_reason, new_points)
        from stdin (format binary)
        """;

    /// <summary>Ends the staged sessions: final values, and the route = its stored points and the points of this batch.</summary>
    private const string EndFromStage = """
        update flight_sessions s
        set callsign = u.callsign, last_signal_at = u.last_signal_at, last_point_at = u.last_point_at,
            last_point_lat = u.last_point_lat, last_point_lon = u.last_point_lon, point_count = u.point_count,
            state_count = u.state_count, max_gap_s = u.max_gap_s, distance_km = u.distance_km,
            max_altitude_m = u.max_altitude_m, ground_since = u.ground_since, ground_point = u.ground_point,
            ended_at = u.ended_at, end_reason = u.end_reason,
            route = coalesce((select jsonb_agg(p.point order by p.point_time) from route_points p where p.session_id = s.session_id), '[]'::jsonb)
                    || coalesce(u.new_points, '[]'::jsonb)
        from session_end_stage u
        where s.session_id = u.id
        """;

    /// <summary>The points of the ended sessions are in their JSONB route now.</summary>
    private const string DeleteEndedPoints = """
        delete from route_points p
        using session_end_stage u
        where p.session_id = u.id
        """;

    /// <summary>
    /// Reads the <see cref="HistoryColumns"/> by name. The running values are the live row's when it carries this
    /// session (it always does once migration 010 ran), else the row's own: the choice <c>flight_sessions_current</c> makes.
    /// </summary>
    internal sealed class HistoryReader(NpgsqlDataReader reader)
    {
        private readonly int id = reader.GetOrdinal("session_id");
        private readonly int startedAt = reader.GetOrdinal("session_started_at");
        private readonly int startReason = reader.GetOrdinal("session_start_reason");
        private readonly int runningId = reader.GetOrdinal("running_session_id");
        private readonly RunningColumns stored = new(reader, "session_");
        private readonly RunningColumns running = new(reader, "running_");

        /// <summary>The open session of the row's aircraft, or null when it has none.</summary>
        public FlightSession? Read(long aircraftId)
        {
            if (reader.IsDBNull(id))
            {
                return null;
            }

            var sessionId = reader.GetInt64(id);
            var values = !reader.IsDBNull(runningId) && reader.GetInt64(runningId) == sessionId ? running : stored;
            return new FlightSession
            {
                SessionId = sessionId,
                AircraftId = aircraftId,
                StartedAt = RowReaders.Time(reader, startedAt),
                StartReason = reader.GetString(startReason),
                Callsign = RowReaders.NullableString(reader, values.Callsign),
                LastSignalAt = RowReaders.Time(reader, values.LastSignalAt),
                LastPointAt = RowReaders.NullableTime(reader, values.LastPointAt),
                LastPointLatitude = RowReaders.NullableDouble(reader, values.LastPointLatitude),
                LastPointLongitude = RowReaders.NullableDouble(reader, values.LastPointLongitude),
                PointCount = reader.GetInt32(values.PointCount),
                StateCount = reader.GetInt32(values.StateCount),
                MaxGapSeconds = reader.GetInt32(values.MaxGap),
                DistanceKm = reader.GetDouble(values.Distance),
                MaxAltitudeM = RowReaders.NullableDouble(reader, values.MaxAltitude),
                GroundSince = RowReaders.NullableTime(reader, values.GroundSince),
                GroundPoint = reader.IsDBNull(values.GroundPoint) ? null : RoutePoint.FromJson(reader.GetString(values.GroundPoint)),
            };
        }

        private sealed class RunningColumns(NpgsqlDataReader reader, string prefix)
        {
            public int Callsign { get; } = reader.GetOrdinal(prefix + "callsign");

            public int LastSignalAt { get; } = reader.GetOrdinal(prefix + "last_signal_at");

            public int LastPointAt { get; } = reader.GetOrdinal(prefix + "last_point_at");

            public int LastPointLatitude { get; } = reader.GetOrdinal(prefix + "last_point_lat");

            public int LastPointLongitude { get; } = reader.GetOrdinal(prefix + "last_point_lon");

            public int PointCount { get; } = reader.GetOrdinal(prefix + "point_count");

            public int StateCount { get; } = reader.GetOrdinal(prefix + "state_count");

            public int MaxGap { get; } = reader.GetOrdinal(prefix + "max_gap_s");

            public int Distance { get; } = reader.GetOrdinal(prefix + "distance_km");

            public int MaxAltitude { get; } = reader.GetOrdinal(prefix + "max_altitude_m");

            public int GroundSince { get; } = reader.GetOrdinal(prefix + "ground_since");

            public int GroundPoint { get; } = reader.GetOrdinal(prefix + "ground_point");
        }
    }

    /// <summary>
    /// The closer's candidates (silent, or grounded long enough), locked with their aircraft row (SKIP LOCKED: a batch
    /// holding an aircraft is never waited for). Each comes with its last known position: the live row's, when it
    /// belongs to the session's signal.
    /// </summary>
    internal static async Task<List<(string Icao24, FlightSession Session)>> LockEndCandidatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTime silentBefore, bool landing, DateTime groundedBefore, int chunk, CancellationToken cancellationToken)
    {
        var candidates = new List<(string, FlightSession)>();
        await using var command = new NpgsqlCommand(LockEndCandidates, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("silent_before", silentBefore));
        command.Parameters.Add(new NpgsqlParameter<bool>("landing", landing));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("grounded_before", groundedBefore));
        command.Parameters.Add(new NpgsqlParameter<int>("chunk", chunk));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        int hex = reader.GetOrdinal("transponder_hex"), aircraftId = reader.GetOrdinal("session_aircraft_id");
        var sessionColumns = new HistoryReader(reader);
        var liveColumns = new LiveStatusTable.HistoryReader(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            var session = sessionColumns.Read(reader.GetInt64(aircraftId))!;
            if (liveColumns.Position() is { } live && live.Time <= session.LastSignalAt)
            {
                session.LastKnownPosition = live;
            }

            candidates.Add((reader.GetString(hex), session));
        }

        return candidates;
    }

    /// <summary>
    /// Stores sessions that were open before and have ended (final values, route points folded into the route and
    /// deleted), then runs <paramref name="alongside"/> in the same round trip. The writer and the closer both end
    /// flights this way; ended first, so that a new open flight of the same aircraft may follow.
    /// </summary>
    internal static async Task EndAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<FlightSession> ended, IEnumerable<NpgsqlBatchCommand> alongside, CancellationToken cancellationToken)
    {
        await StageEndedAsync(connection, transaction, ended, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands = { new NpgsqlBatchCommand(EndFromStage), new NpgsqlBatchCommand(DeleteEndedPoints) },
        };
        foreach (var command in alongside)
        {
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Takes <paramref name="count"/> new session ids from the sequence.</summary>
    internal static async Task<long[]> ReserveIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int count, CancellationToken cancellationToken)
    {
        var ids = new long[count];
        await using var command = new NpgsqlCommand(ReserveIds, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<int>("count", count));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; await reader.ReadAsync(cancellationToken); i++)
        {
            ids[i] = reader.GetInt64(0);
        }

        return ids;
    }

    /// <summary>
    /// Writes the rows of sessions opened in this batch (ids assigned): an open one with its opening values (so the
    /// row never depends on where batches split), one that also ended with its final values and route.
    /// </summary>
    internal static async Task CopyOpenedAsync(NpgsqlConnection connection, IReadOnlyList<FlightSession> sessions, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyOpened, cancellationToken);
        foreach (var session in sessions)
        {
            copy.StartRow();
            copy.Write(session.SessionId!.Value, NpgsqlDbType.Bigint);
            copy.Write(session.AircraftId, NpgsqlDbType.Bigint);
            if (session.IsOpen)
            {
                copy.WriteNull(); // callsign
                copy.Write(ToUtc(session.StartedAt), NpgsqlDbType.TimestampTz);
                copy.Write(session.StartReason, NpgsqlDbType.Text);
                copy.Write(ToUtc(session.StartedAt), NpgsqlDbType.TimestampTz); // last_signal_at
                copy.WriteNull();
                copy.WriteNull();
                copy.WriteNull();
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write(0.0, NpgsqlDbType.Double);
                copy.WriteNull();
                copy.WriteNull();
                copy.WriteNull();
                copy.WriteNull();
                copy.WriteNull();
                copy.Write("[]", NpgsqlDbType.Jsonb);
                continue;
            }

            Copy.Text(copy, session.Callsign);
            copy.Write(ToUtc(session.StartedAt), NpgsqlDbType.TimestampTz);
            copy.Write(session.StartReason, NpgsqlDbType.Text);
            WriteFinalValues(copy, session);
            copy.Write(RoutePoint.ToJsonArray(session.NewPoints), NpgsqlDbType.Jsonb);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Appends the new route points of sessions that stay open.</summary>
    internal static async Task CopyPointsAsync(NpgsqlConnection connection, IReadOnlyList<FlightSession> sessions, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyPoints, cancellationToken);
        var json = new System.Text.StringBuilder(160);
        foreach (var session in sessions)
        {
            foreach (var point in session.NewPoints)
            {
                json.Clear();
                point.AppendJson(json);
                copy.StartRow();
                copy.Write(session.SessionId!.Value, NpgsqlDbType.Bigint);
                copy.Write(ToUtc(point.Time), NpgsqlDbType.TimestampTz);
                copy.Write(json.ToString(), NpgsqlDbType.Jsonb);
            }
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Copies sessions that existed before and have ended into <c>session_end_stage</c>, a temporary table dropped at
    /// commit; <see cref="EndFromStage"/> and then <see cref="DeleteEndedPoints"/> store them. Must run in a transaction.
    /// </summary>
    private static async Task StageEndedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<FlightSession> sessions, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(CreateEndStage, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var copy = await connection.BeginBinaryImportAsync(CopyEndStage, cancellationToken);
        foreach (var session in sessions)
        {
            copy.StartRow();
            copy.Write(session.SessionId!.Value, NpgsqlDbType.Bigint);
            Copy.Text(copy, session.Callsign);
            WriteFinalValues(copy, session);
            Copy.Json(copy, session.NewPoints.Count == 0 ? null : RoutePoint.ToJsonArray(session.NewPoints));
        }

        await copy.CompleteAsync(cancellationToken);
    }

    // last_signal_at through end_reason, in table order.
    private static void WriteFinalValues(NpgsqlBinaryImporter copy, FlightSession session)
    {
        WriteRunningValues(copy, session);
        Copy.Value(copy, ToUtc(session.EndedAt), NpgsqlDbType.TimestampTz);
        Copy.Text(copy, session.EndReason);
    }

    /// <summary>
    /// The values that change with every state, last_signal_at through ground_point, in table order: also the
    /// <c>flight_</c> columns of the live row (<see cref="LiveStatusTable.LiveRow"/>).
    /// </summary>
    internal static void WriteRunningValues(NpgsqlBinaryImporter copy, FlightSession session)
    {
        copy.Write(ToUtc(session.LastSignalAt), NpgsqlDbType.TimestampTz);
        Copy.Value(copy, ToUtc(session.LastPointAt), NpgsqlDbType.TimestampTz);
        Copy.Value(copy, session.LastPointLatitude, NpgsqlDbType.Double);
        Copy.Value(copy, session.LastPointLongitude, NpgsqlDbType.Double);
        copy.Write(session.PointCount, NpgsqlDbType.Integer);
        copy.Write(session.StateCount, NpgsqlDbType.Integer);
        copy.Write(session.MaxGapSeconds, NpgsqlDbType.Integer);
        copy.Write(session.DistanceKm, NpgsqlDbType.Double); // unrounded: a sum rounded on every write depends on where batches split
        Copy.Value(copy, session.MaxAltitudeM, NpgsqlDbType.Double);
        Copy.Value(copy, ToUtc(session.GroundSince), NpgsqlDbType.TimestampTz);
        Copy.Json(copy, session.GroundPoint is null ? null : RoutePoint.ToJsonArray([session.GroundPoint])[1..^1]);
    }
}
