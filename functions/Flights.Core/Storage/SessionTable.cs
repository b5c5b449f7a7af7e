using Flights.Core.Sessions;
using Npgsql;

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
    /// The open flight's columns of a history read, named <c>session_*</c>: its running values from its aircraft's live
    /// row (alias <c>l</c>), which carries every open flight since migration 010, and its start from its
    /// <c>flight_sessions</c> row (alias <c>s</c>, joined by <c>s.session_id = l.flight_session_id</c>).
    /// </summary>
    internal const string HistoryColumns = """
        l.flight_session_id as session_id, s.started_at as session_started_at, s.start_reason as session_start_reason,
        l.flight_callsign as session_callsign, l.flight_last_signal_at as session_last_signal_at, l.flight_last_point_at as session_last_point_at,
        l.flight_last_point_lat as session_last_point_lat, l.flight_last_point_lon as session_last_point_lon,
        l.flight_point_count as session_point_count, l.flight_state_count as session_state_count, l.flight_max_gap_s as session_max_gap_s,
        l.flight_distance_km as session_distance_km, l.flight_max_altitude_m as session_max_altitude_m,
        l.flight_ground_since as session_ground_since, l.flight_ground_point::text as session_ground_point
        """;

    /// <summary>
    /// What the writer and the closer read of an aircraft's live row and open flight: the rows of <c>live_status</c> for
    /// <c>@id</c> (aircraft ids). Run after the aircraft rows are locked, as a statement of its own: a statement that
    /// waited for (or took) a row lock in READ COMMITTED re-reads only the locked row and keeps its older snapshot of
    /// the joined rows, so reading in the locking statement could apply the rules to what another batch replaced.
    /// </summary>
    internal const string LoadHistory = $"""
        select l.aircraft_id, {HistoryColumns}, {LiveStatusTable.HistoryColumns}
        from live_status l
        left join flight_sessions s on s.session_id = l.flight_session_id
        where l.aircraft_id = any(@id::bigint[])
        """;

    // The closer's candidates by the rules (silent, or grounded long enough), with their aircraft rows locked; their
    // values are then read by LoadHistory and the rules checked again in code (SessionRules.TryEndBySilence).
    private const string LockEndCandidates = """
        select d.aircraft_id, d.transponder_hex
        from live_status l
        join dim_aircrafts d on d.aircraft_id = l.aircraft_id
        where l.flight_session_id is not null
          and (l.flight_last_signal_at < @silent_before or (@landing and l.flight_ground_since <= @grounded_before))
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

    /// <summary>Reads the <see cref="HistoryColumns"/> by name.</summary>
    internal sealed class HistoryReader(NpgsqlDataReader reader)
    {
        private readonly int id = reader.GetOrdinal("session_id");
        private readonly int startedAt = reader.GetOrdinal("session_started_at");
        private readonly int startReason = reader.GetOrdinal("session_start_reason");
        private readonly int callsign = reader.GetOrdinal("session_callsign");
        private readonly int lastSignalAt = reader.GetOrdinal("session_last_signal_at");
        private readonly int lastPointAt = reader.GetOrdinal("session_last_point_at");
        private readonly int lastPointLatitude = reader.GetOrdinal("session_last_point_lat");
        private readonly int lastPointLongitude = reader.GetOrdinal("session_last_point_lon");
        private readonly int pointCount = reader.GetOrdinal("session_point_count");
        private readonly int stateCount = reader.GetOrdinal("session_state_count");
        private readonly int maxGap = reader.GetOrdinal("session_max_gap_s");
        private readonly int distance = reader.GetOrdinal("session_distance_km");
        private readonly int maxAltitude = reader.GetOrdinal("session_max_altitude_m");
        private readonly int groundSince = reader.GetOrdinal("session_ground_since");
        private readonly int groundPoint = reader.GetOrdinal("session_ground_point");

        /// <summary>The open session of the row's aircraft, or null when it has none.</summary>
        public FlightSession? Read(long aircraftId)
        {
            if (reader.IsDBNull(id))
            {
                return null;
            }

            return new FlightSession
            {
                SessionId = reader.GetInt64(id),
                AircraftId = aircraftId,
                StartedAt = RowReaders.Time(reader, startedAt),
                StartReason = reader.GetString(startReason),
                Callsign = RowReaders.NullableString(reader, callsign),
                LastSignalAt = RowReaders.Time(reader, lastSignalAt),
                LastPointAt = RowReaders.NullableTime(reader, lastPointAt),
                LastPointLatitude = RowReaders.NullableDouble(reader, lastPointLatitude),
                LastPointLongitude = RowReaders.NullableDouble(reader, lastPointLongitude),
                PointCount = reader.GetInt32(pointCount),
                StateCount = reader.GetInt32(stateCount),
                MaxGapSeconds = reader.GetInt32(maxGap),
                DistanceKm = reader.GetDouble(distance),
                MaxAltitudeM = RowReaders.NullableDouble(reader, maxAltitude),
                GroundSince = RowReaders.NullableTime(reader, groundSince),
                GroundPoint = reader.IsDBNull(groundPoint) ? null : RoutePoint.FromJson(reader.GetString(groundPoint)),
            };
        }
    }

    /// <summary>
    /// The closer's candidates (silent, or grounded long enough), locked with their aircraft row (SKIP LOCKED: a batch
    /// holding an aircraft is never waited for). Each comes with its last known position: the live row's, when it
    /// belongs to the session's signal.
    /// </summary>
    internal static async Task<(List<(string Icao24, FlightSession Session)> Candidates, int Locked)> LockEndCandidatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTime silentBefore, bool landing, DateTime groundedBefore, int chunk, CancellationToken cancellationToken)
    {
        var hexById = new Dictionary<long, string>();
        await using (var command = new NpgsqlCommand(LockEndCandidates, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime>("silent_before", silentBefore));
            command.Parameters.Add(new NpgsqlParameter<bool>("landing", landing));
            command.Parameters.Add(new NpgsqlParameter<DateTime>("grounded_before", groundedBefore));
            command.Parameters.Add(new NpgsqlParameter<int>("chunk", chunk));
            await using var locked = await command.ExecuteReaderAsync(cancellationToken);
            while (await locked.ReadAsync(cancellationToken))
            {
                hexById[locked.GetInt64(0)] = locked.GetString(1);
            }
        }

        var candidates = new List<(string, FlightSession)>(hexById.Count);
        if (hexById.Count == 0)
        {
            return (candidates, 0);
        }

        await using var load = new NpgsqlCommand(LoadHistory, connection, transaction);
        load.Parameters.Add(new NpgsqlParameter<long[]>("id", hexById.Keys.ToArray()));
        await using var reader = await load.ExecuteReaderAsync(cancellationToken);
        var aircraftId = reader.GetOrdinal("aircraft_id");
        var sessionColumns = new HistoryReader(reader);
        var liveColumns = new LiveStatusTable.HistoryReader(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Gone since it was chosen (a batch that committed in between ended it): nothing to end.
            if (sessionColumns.Read(reader.GetInt64(aircraftId)) is not { } session)
            {
                continue;
            }

            if (liveColumns.Position() is { } live && live.Time <= session.LastSignalAt)
            {
                session.LastKnownPosition = live;
            }

            candidates.Add((hexById[session.AircraftId], session));
        }

        // In transponder order, as they were locked.
        candidates.Sort(static (a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return (candidates, hexById.Count);
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
        await using var copy = await BinaryCopy.BeginAsync(connection, CopyOpened, cancellationToken);
        foreach (var session in sessions)
        {
            copy.StartRow(19);
            copy.Bigint(session.SessionId!.Value);
            copy.Bigint(session.AircraftId);
            if (session.IsOpen)
            {
                copy.Null(); // callsign
                copy.Timestamp(session.StartedAt);
                copy.Text(session.StartReason);
                copy.Timestamp(session.StartedAt); // last_signal_at
                copy.Null();
                copy.Null();
                copy.Null();
                copy.Integer(0);
                copy.Integer(0);
                copy.Integer(0);
                copy.Double(0.0);
                copy.Null();
                copy.Null();
                copy.Null();
                copy.Null();
                copy.Null();
                copy.Jsonb("[]");
            }
            else
            {
                copy.Text(session.Callsign);
                copy.Timestamp(session.StartedAt);
                copy.Text(session.StartReason);
                WriteFinalValues(copy, session);
                copy.Jsonb(RoutePoint.ToJsonArray(session.NewPoints));
            }

            await copy.FlushIfFullAsync(cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Appends the new route points of sessions that stay open.</summary>
    internal static async Task CopyPointsAsync(NpgsqlConnection connection, IReadOnlyList<FlightSession> sessions, CancellationToken cancellationToken)
    {
        await using var copy = await BinaryCopy.BeginAsync(connection, CopyPoints, cancellationToken);
        var json = new System.Text.StringBuilder(160);
        foreach (var session in sessions)
        {
            foreach (var point in session.NewPoints)
            {
                json.Clear();
                point.AppendJson(json);
                copy.StartRow(3);
                copy.Bigint(session.SessionId!.Value);
                copy.Timestamp(point.Time);
                copy.Jsonb(json.ToString());
            }

            await copy.FlushIfFullAsync(cancellationToken);
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

        await using var copy = await BinaryCopy.BeginAsync(connection, CopyEndStage, cancellationToken);
        foreach (var session in sessions)
        {
            copy.StartRow(16);
            copy.Bigint(session.SessionId!.Value);
            copy.Text(session.Callsign);
            WriteFinalValues(copy, session);
            copy.Jsonb(session.NewPoints.Count == 0 ? null : RoutePoint.ToJsonArray(session.NewPoints));
            await copy.FlushIfFullAsync(cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    // last_signal_at through end_reason, in table order.
    private static void WriteFinalValues(BinaryCopy copy, FlightSession session)
    {
        WriteRunningValues(copy, session);
        copy.Timestamp(session.EndedAt);
        copy.Text(session.EndReason);
    }

    /// <summary>
    /// The values that change with every state, last_signal_at through ground_point, in table order (11 columns): also
    /// the <c>flight_</c> columns of the live row (<see cref="LiveStatusTable.LiveRow"/>).
    /// </summary>
    internal static void WriteRunningValues(BinaryCopy copy, FlightSession session)
    {
        copy.Timestamp(session.LastSignalAt);
        copy.Timestamp(session.LastPointAt);
        copy.Double(session.LastPointLatitude);
        copy.Double(session.LastPointLongitude);
        copy.Integer(session.PointCount);
        copy.Integer(session.StateCount);
        copy.Integer(session.MaxGapSeconds);
        copy.Double(session.DistanceKm); // unrounded: a sum rounded on every write depends on where batches split
        copy.Double(session.MaxAltitudeM);
        copy.Timestamp(session.GroundSince);
        copy.Jsonb(session.GroundPoint is null ? null : RoutePoint.ToJsonArray([session.GroundPoint])[1..^1]);
    }
}
