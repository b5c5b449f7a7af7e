using System.Runtime.InteropServices;
using Flights.Core.Sessions;
using Npgsql;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>What one batch changed in the warehouse.</summary>
public sealed record WriteResult(int Aircraft, int StatesApplied, int StatesIgnored, int SessionsOpened, int EndedSignalLost, int EndedLanded, int PointsAppended, DateTimeOffset? PipelineClock)
{
    /// <summary>Positions kept out of routes, live positions and distances, by reason (their states still counted).</summary>
    public IReadOnlyDictionary<ImplausibleReason, int> ImplausiblePositions { get; init; } = new Dictionary<ImplausibleReason, int>();

    /// <summary>Emergency squawk periods this batch started, by squawk.</summary>
    public IReadOnlyDictionary<string, int> EmergenciesStarted { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// The smart write: applies a batch of clean states to <c>dim_aircrafts</c>, <c>live_status</c> and
/// <c>flight_sessions</c> in one transaction and a handful of round trips (array parameters with
/// <c>unnest</c> for Logic A, binary COPY into a temporary table for the sessions), never one statement per
/// state. Aircraft rows are locked in transponder order, which serialises concurrent batches for the same
/// aircraft and the closer without deadlocks.
/// </summary>
public sealed class SmartWriter(NpgsqlDataSource dataSource, SessionRules rules, FlightIntelligence? intelligence = null)
{
    // Airports, implausible positions and emergencies (issue 16); the defaults when the host gave none.
    private readonly FlightIntelligence intelligence = intelligence ?? FlightIntelligence.Create(dataSource, rules.Options);

    // The session update hashes the open sessions it joins; with the server's default 4 MB that hash spilled to
    // disk in two batches for 12,000 sessions (EXPLAIN ANALYZE: temp written=1124 blocks). Raised for this
    // transaction only (measured with flights bench write: the session update went from ~470 to ~390 ms).
    private const string RaiseWorkMemory = "set local work_mem = '32MB'";

    // New aircraft get last_seen = -infinity so that every state of theirs counts as new; the update at the
    // end of the batch sets the real value before anything is committed. Nearly every aircraft of a batch is
    // known already: filtering those out with a plain lookup first is far cheaper than letting ON CONFLICT
    // try each one (measured: ~15 instead of ~90 ms for 12,000 known aircraft); ON CONFLICT still settles a
    // race with a concurrent batch that inserts the same new aircraft.
    private const string InsertNewAircraft = """
        insert into dim_aircrafts (transponder_hex, first_seen, last_seen)
        select hex, first_seen, '-infinity'
        from unnest(@hex::text[], @first_seen::timestamptz[]) as n(hex, first_seen)
        where not exists (select 1 from dim_aircrafts d where d.transponder_hex = n.hex)
        order by hex
        on conflict (transponder_hex) do nothing
        """;

    // The per-aircraft lock, taken in transponder order: it serialises concurrent batches for the same aircraft
    // and the closer (which skips locked rows) without deadlocks.
    private const string LockAircraft = """
        select aircraft_id
        from dim_aircrafts
        where transponder_hex = any(@hex::text[])
        order by transponder_hex
        for update
        """;

    // Read after the lock, as a statement of its own: a statement that waited for a row lock in READ COMMITTED
    // re-reads only the locked row and keeps its older snapshot of the joined session and live rows, so a
    // batch that waited for another batch of the same aircraft would apply the rules to what that batch replaced.
    private const string LoadHistory = $"""
        select d.aircraft_id, d.transponder_hex, d.first_seen, d.last_seen,
               {SessionRows.Columns},
               l.on_ground, l.last_contact, l.position_time, l.latitude, l.longitude, l.baro_altitude_m,
               l.geo_altitude_m, l.velocity_kmh, l.heading_deg, l.vertical_rate_ms
        from dim_aircrafts d
        left join flight_sessions s on s.aircraft_id = d.aircraft_id and s.ended_at is null
        left join live_status l on l.aircraft_id = d.aircraft_id
        where d.transponder_hex = any(@hex::text[])
        """;

    private const string UpdateAircraft = """
        update dim_aircrafts d
        set last_seen = greatest(d.last_seen, u.last_seen),
            first_seen = least(d.first_seen, u.first_seen),
            last_callsign = case when u.last_seen > d.last_seen then coalesce(u.callsign, d.last_callsign) else d.last_callsign end,
            category = case when u.last_seen > d.last_seen then coalesce(u.category, d.category) else d.category end,
            origin_country = coalesce(u.country, d.origin_country)
        from unnest(@id::bigint[], @first_seen::timestamptz[], @last_seen::timestamptz[], @callsign::text[], @category::smallint[], @country::text[])
             as u(id, first_seen, last_seen, callsign, category, country)
        where d.aircraft_id = u.id
        """;

    // Newer wins by the state's own time; a position is replaced only by a newer position. An UPDATE of the rows
    // that exist plus a plain INSERT of the others costs less than INSERT ... ON CONFLICT DO UPDATE (measured:
    // ~25% less on 12,000 rows); which rows exist is known from the history read under the aircraft lock, and
    // only a holder of that lock writes an aircraft's live row (the closer deletes under it too).
    private const string UpdateLive = """
        update live_status l
        set callsign = coalesce(u.callsign, l.callsign),
            last_contact = u.last_contact,
            position_time = case when u.position_time > coalesce(l.position_time, '-infinity') then u.position_time else l.position_time end,
            latitude = case when u.position_time > coalesce(l.position_time, '-infinity') then u.latitude else l.latitude end,
            longitude = case when u.position_time > coalesce(l.position_time, '-infinity') then u.longitude else l.longitude end,
            baro_altitude_m = u.baro_altitude_m, geo_altitude_m = u.geo_altitude_m,
            velocity_kmh = u.velocity_kmh, heading_deg = u.heading_deg, vertical_rate_ms = u.vertical_rate_ms,
            on_ground = u.on_ground, squawk = u.squawk, position_source = u.position_source,
            snapshot_time = u.snapshot_time
        from unnest(@aircraft_id::bigint[], @callsign::text[], @last_contact::timestamptz[], @position_time::timestamptz[],
                    @latitude::float8[], @longitude::float8[], @baro::float8[], @geo::float8[], @velocity::float8[],
                    @heading::float8[], @vrate::float8[], @on_ground::bool[], @squawk::text[], @source::smallint[],
                    @snapshot_time::timestamptz[])
             as u(aircraft_id, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m, geo_altitude_m,
                  velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time)
        where l.aircraft_id = u.aircraft_id and u.last_contact > l.last_contact
        """;

    private const string InsertLive = """
        insert into live_status (aircraft_id, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m,
            geo_altitude_m, velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time)
        select * from unnest(@aircraft_id::bigint[], @callsign::text[], @last_contact::timestamptz[], @position_time::timestamptz[],
                             @latitude::float8[], @longitude::float8[], @baro::float8[], @geo::float8[], @velocity::float8[],
                             @heading::float8[], @vrate::float8[], @on_ground::bool[], @squawk::text[], @source::smallint[],
                             @snapshot_time::timestamptz[])
        order by 1
        """;

    // The newest clock, and the partition count the markers tell (greatest() skips a null: a batch without
    // markers leaves the count as it is). Kafka partitions are only ever added, so the count only grows.
    private const string AdvanceClock = """
        update pipeline_state
        set pipeline_clock = greatest(coalesce(pipeline_clock, '-infinity'), @clock),
            partition_count = greatest(partition_count, @partition_count)
        returning pipeline_clock
        """;

    // Each partition's marker clock only moves forward: a batch delivered again, or an older member's late
    // commit after a rebalance, cannot move it back. Rows in partition order, before pipeline_state, in every
    // transaction: concurrent batches of one partition (a rebalance) queue for its row without deadlocks.
    private const string AdvancePartitionClocks = """
        insert into partition_clocks (partition, clock)
        select * from unnest(@partition::int[], @clock::timestamptz[]) order by 1
        on conflict (partition) do update set clock = greatest(partition_clocks.clock, excluded.clock)
        """;

    /// <summary>Applies the states of a batch without snapshot markers (see the overload with markers).</summary>
    public Task<WriteResult> WriteAsync(IReadOnlyList<CleanState> states, CancellationToken cancellationToken) =>
        WriteAsync(states, PartitionClocks.None, cancellationToken);

    /// <summary>
    /// Applies the states and the batch's snapshot markers in one transaction. States may be in any order and
    /// contain duplicates or states already applied: applying a batch again, or any prefix of it, changes nothing.
    /// </summary>
    public async Task<WriteResult> WriteAsync(IReadOnlyList<CleanState> states, PartitionClocks markers, CancellationToken cancellationToken)
    {
        if (states.Count == 0)
        {
            return markers.IsEmpty ? new WriteResult(0, 0, 0, 0, 0, 0, 0, null) : await WriteMarkersOnlyAsync(markers, cancellationToken);
        }

        var byAircraft = GroupByAircraft(states, out var maxSnapshot);
        var hexes = byAircraft.Keys.ToArray();
        Array.Sort(hexes, StringComparer.Ordinal);
        var airports = await intelligence.Airports.GetAsync(cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var histories = await LockAndLoadAsync(connection, transaction, hexes, byAircraft, cancellationToken);
        var openEmergencies = await LoadOpenEmergenciesAsync(connection, transaction, hexes, byAircraft, cancellationToken);

        // Implausible positions leave their states before anything is decided, so Logic A and the rules agree.
        var implausible = 0;
        foreach (var hex in hexes)
        {
            implausible += intelligence.Positions.Apply(histories[hex].History, byAircraft[hex]);
        }

        // Logic A (dim_aircrafts, live_status) depends only on the states and each aircraft's watermark, not on the
        // session rules. It goes to the server first and runs there while the rules run here; the two used to take
        // turns (~200 ms of server time and ~100 ms of client time per 12,000 aircraft).
        var aircraftUpdates = new AircraftUpdateColumns(hexes.Length);
        var liveUpdates = new LiveColumns(UpdateLive, hexes.Length);
        var liveInserts = new LiveColumns(InsertLive, 0);
        foreach (var hex in hexes)
        {
            var (history, firstSeen) = histories[hex];
            var aircraftStates = CollectionsMarshal.AsSpan(byAircraft[hex]);
            var newest = aircraftStates[^1];
            var hasNewStates = history.IsNew(newest.LastContact);
            var oldest = aircraftStates[0].LastContact;
            if (hasNewStates || oldest < firstSeen)
            {
                aircraftUpdates.Add(history.AircraftId, oldest, Math.Max(newest.LastContact, history.Watermark ?? long.MinValue), LatestCallsign(aircraftStates), LatestCategory(aircraftStates), newest.OriginCountry);
            }

            if (hasNewStates)
            {
                (history.LiveLastContact is null ? liveInserts : liveUpdates).Add(history, aircraftStates);
            }
        }

        await using var logicA = new NpgsqlBatch(connection, transaction);
        AddIfAny(logicA, aircraftUpdates.Count, aircraftUpdates.ToCommand);
        AddIfAny(logicA, liveUpdates.Count, liveUpdates.ToCommand);
        AddIfAny(logicA, liveInserts.Count, liveInserts.ToCommand);
        var logicAWrite = logicA.BatchCommands.Count > 0 ? logicA.ExecuteNonQueryAsync(cancellationToken) : Task.FromResult(0);

        SessionChanges sessions;
        try
        {
            sessions = ApplySessionRules(hexes, histories, byAircraft, airports, openEmergencies);
        }
        catch
        {
            // The connection must be idle before it is returned; the rules' error is the one that matters.
            await logicAWrite.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        await logicAWrite;
        if (sessions.Changed.Count > 0)
        {
            await SessionRows.StageAsync(connection, transaction, sessions.Changed, cancellationToken);
        }

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            AddIfAny(batch, sessions.Changed.Count - sessions.Opened, () => new NpgsqlBatchCommand(SessionRows.UpdateFromStage));
            AddIfAny(batch, sessions.Opened, () => new NpgsqlBatchCommand(SessionRows.InsertFromStage));
            AddIfAny(batch, sessions.Airports.Count, () => IntelligenceRows.AirportsCommand(sessions.Airports));
            AddIfAny(batch, sessions.Emergencies.Count, () => IntelligenceRows.EmergenciesCommand(sessions.Emergencies));
            AddClocks(batch, maxSnapshot, markers);
            var pipelineClock = await ExecuteClocksAsync(batch, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new WriteResult(hexes.Length, sessions.AppliedStates, states.Count - sessions.AppliedStates, sessions.Opened, sessions.EndedSignalLost, sessions.EndedLanded, sessions.PointsAppended, pipelineClock)
            {
                ImplausiblePositions = implausible > 0 ? new Dictionary<ImplausibleReason, int> { [ImplausibleReason.ImpliedSpeed] = implausible } : new Dictionary<ImplausibleReason, int>(),
                EmergenciesStarted = sessions.Emergencies.Where(e => e.IsNew).GroupBy(e => e.Squawk).ToDictionary(g => g.Key, g => g.Count()),
            };
        }
    }

    // A batch of nothing but markers (the tail of a partition, or a snapshot of an empty bounding box) still
    // moves the clocks: that is what lets the closer end flights of partitions no aircraft hashes to.
    private async Task<WriteResult> WriteMarkersOnlyAsync(PartitionClocks markers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddClocks(batch, long.MinValue, markers);
        var pipelineClock = await ExecuteClocksAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriteResult(0, 0, 0, 0, 0, 0, 0, pipelineClock);
    }

    private static void AddClocks(NpgsqlBatch batch, long maxSnapshot, PartitionClocks markers)
    {
        if (!markers.IsEmpty)
        {
            var partitions = markers.ByPartition.ToArray();
            var advance = new NpgsqlBatchCommand(AdvancePartitionClocks);
            advance.Parameters.Add(new NpgsqlParameter<int[]>("partition", partitions.Select(p => p.Key).ToArray()));
            advance.Parameters.Add(new NpgsqlParameter<DateTime[]>("clock", partitions.Select(p => ToUtc(p.Value)).ToArray()));
            batch.BatchCommands.Add(advance);
        }

        var clock = new NpgsqlBatchCommand(AdvanceClock);
        clock.Parameters.Add(new NpgsqlParameter<DateTime>("clock", ToUtc(Math.Max(maxSnapshot, markers.Newest ?? long.MinValue))));
        clock.Parameters.Add(new NpgsqlParameter("partition_count", NpgsqlTypes.NpgsqlDbType.Integer) { Value = markers.PartitionCount is { } count ? count : DBNull.Value });
        batch.BatchCommands.Add(clock);
    }

    private static async Task<DateTimeOffset?> ExecuteClocksAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        DateTimeOffset? pipelineClock = null;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                pipelineClock = new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
        return pipelineClock;
    }

    private static void AddIfAny(NpgsqlBatch batch, int rows, Func<NpgsqlBatchCommand> command)
    {
        if (rows > 0)
        {
            batch.BatchCommands.Add(command());
        }
    }

    // Logic B: the session rules for every aircraft, as the rows to update and insert.
    private SessionChanges ApplySessionRules(string[] hexes, Dictionary<string, (AircraftHistory History, long FirstSeen)> histories, Dictionary<string, List<CleanState>> byAircraft, AirportIndex airports, Dictionary<long, EmergencyPeriod> openEmergencies)
    {
        var changes = new SessionChanges();
        foreach (var hex in hexes)
        {
            var history = histories[hex].History;
            var outcome = rules.Apply(history, CollectionsMarshal.AsSpan(byAircraft[hex]));
            changes.AppliedStates += outcome.AppliedStates;
            intelligence.Emergencies.Apply(history, openEmergencies.GetValueOrDefault(history.AircraftId), CollectionsMarshal.AsSpan(byAircraft[hex]), changes.Emergencies);
            foreach (var session in outcome.Sessions)
            {
                if (!session.Changed)
                {
                    continue;
                }

                if (intelligence.Airports.Rules.Decide(session, airports) is { } decided)
                {
                    changes.Airports.Add(decided);
                }

                changes.PointsAppended += session.NewPoints.Count;
                changes.Changed.Add(new SessionRows.StagedSession(session));
                if (session.SessionId is null)
                {
                    changes.Opened++;
                }

                if (session.EndReason == SessionReasons.SignalLost)
                {
                    changes.EndedSignalLost++;
                }
                else if (session.EndReason == SessionReasons.Landed)
                {
                    changes.EndedLanded++;
                }
            }
        }

        return changes;
    }

    private static Dictionary<string, List<CleanState>> GroupByAircraft(IReadOnlyList<CleanState> states, out long maxSnapshot)
    {
        var byAircraft = new Dictionary<string, List<CleanState>>(StringComparer.Ordinal);
        maxSnapshot = long.MinValue;
        foreach (var state in states)
        {
            maxSnapshot = Math.Max(maxSnapshot, state.SnapshotTime);
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(byAircraft, state.Icao24, out _);
            (list ??= new List<CleanState>(1)).Add(state);
        }

        foreach (var list in byAircraft.Values)
        {
            if (list.Count > 1)
            {
                // Time order, one state per time: among equal times the earliest snapshot is kept, as a later batch
                // (which ignores an equal time) would keep it; so the result never depends on how states were batched.
                list.Sort(static (a, b) => a.LastContact != b.LastContact ? a.LastContact.CompareTo(b.LastContact) : a.SnapshotTime.CompareTo(b.SnapshotTime));
                list.RemoveAll(DuplicateOfPrevious());
            }
        }

        return byAircraft;
    }

    private static Predicate<CleanState> DuplicateOfPrevious()
    {
        long? previous = null;
        return state =>
        {
            var duplicate = state.LastContact == previous;
            previous = state.LastContact;
            return duplicate;
        };
    }

    // Insert, lock and load in one round trip: three statements (after the work_mem setting), each with its own snapshot.
    private static async Task<Dictionary<string, (AircraftHistory History, long FirstSeen)>> LockAndLoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] hexes, Dictionary<string, List<CleanState>> byAircraft, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (AircraftHistory, long)>(hexes.Length, StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RaiseWorkMemory));
        var insert = new NpgsqlBatchCommand(InsertNewAircraft);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("hex", hexes));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("first_seen", hexes.Select(h => ToUtc(byAircraft[h][0].LastContact)).ToArray()));
        batch.BatchCommands.Add(insert);
        var lockRows = new NpgsqlBatchCommand(LockAircraft);
        lockRows.Parameters.Add(new NpgsqlParameter<string[]>("hex", hexes));
        batch.BatchCommands.Add(lockRows);
        var load = new NpgsqlBatchCommand(LoadHistory);
        load.Parameters.Add(new NpgsqlParameter<string[]>("hex", hexes));
        batch.BatchCommands.Add(load);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // the locked ids: only the lock matters
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var aircraftId = reader.GetInt64(0);
            var hex = reader.GetString(1);
            var firstSeen = ToUnix(reader.GetFieldValue<DateTime>(2));
            var lastSeenValue = reader.GetFieldValue<DateTime>(3);
            long? watermark = lastSeenValue == DateTime.MinValue ? null : ToUnix(lastSeenValue);
            var session = reader.IsDBNull(4) ? null : SessionRows.Read(reader, 4);
            bool? liveOnGround = reader.IsDBNull(20) ? null : reader.GetBoolean(20);
            var liveLastContact = NullableTime(reader, 21);
            RoutePoint? livePosition = null;
            if (!reader.IsDBNull(22) && !reader.IsDBNull(23))
            {
                livePosition = new RoutePoint(ToUnix(reader.GetFieldValue<DateTime>(22)), reader.GetDouble(23), reader.GetDouble(24),
                    NullableDouble(reader, 25) ?? NullableDouble(reader, 26), NullableDouble(reader, 27), NullableDouble(reader, 28), NullableDouble(reader, 29), liveOnGround ?? false);
            }

            result[hex] = (new AircraftHistory(aircraftId, watermark, session, liveOnGround, liveLastContact, livePosition), firstSeen);
        }

        return result;
    }

    // The emergency periods that may go on, read under the aircraft lock taken just before: a period is changed
    // only by a holder of its aircraft's lock. Periods last seen longer ago than the flight-end threshold before
    // the batch's oldest state cannot go on and are not read.
    private async Task<Dictionary<long, EmergencyPeriod>> LoadOpenEmergenciesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] hexes, Dictionary<string, List<CleanState>> byAircraft, CancellationToken cancellationToken)
    {
        var oldest = byAircraft.Values.Min(list => list[0].LastContact);
        var result = new Dictionary<long, EmergencyPeriod>();
        await using var command = new NpgsqlCommand(IntelligenceRows.LoadOpenEmergencies, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]>("hex", hexes));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("since", ToUtc(oldest) - rules.Options.FlightEndThreshold));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var period = IntelligenceRows.ReadOpenEmergency(reader);
            // At most one run per aircraft can be open: a new one closes the one before.
            if (!result.TryGetValue(period.AircraftId, out var other) || other.StartedAt < period.StartedAt)
            {
                result[period.AircraftId] = period;
            }
        }

        return result;
    }

    private static string? LatestCallsign(ReadOnlySpan<CleanState> states)
    {
        for (var i = states.Length - 1; i >= 0; i--)
        {
            if (states[i].Callsign is { } callsign)
            {
                return callsign;
            }
        }

        return null;
    }

    private static short? LatestCategory(ReadOnlySpan<CleanState> states)
    {
        for (var i = states.Length - 1; i >= 0; i--)
        {
            if (states[i].Category is { } category)
            {
                return category;
            }
        }

        return null;
    }

    internal static long? NullableTime(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ToUnix(reader.GetFieldValue<DateTime>(ordinal));

    internal static double? NullableDouble(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    internal static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private sealed class AircraftUpdateColumns(int capacity)
    {
        private readonly List<long> id = new(capacity);
        private readonly List<DateTime> firstSeen = new(capacity);
        private readonly List<DateTime> lastSeen = new(capacity);
        private readonly List<string?> callsign = new(capacity);
        private readonly List<short?> category = new(capacity);
        private readonly List<string?> country = new(capacity);

        public int Count => id.Count;

        public void Add(long aircraftId, long first, long last, string? latestCallsign, short? latestCategory, string? originCountry)
        {
            id.Add(aircraftId);
            firstSeen.Add(ToUtc(first));
            lastSeen.Add(ToUtc(last));
            callsign.Add(latestCallsign);
            category.Add(latestCategory);
            country.Add(originCountry);
        }

        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(UpdateAircraft);
            command.Parameters.Add(new NpgsqlParameter<long[]>("id", id.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("first_seen", firstSeen.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("last_seen", lastSeen.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("callsign", callsign.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<short?[]>("category", category.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("country", country.ToArray()));
            return command;
        }
    }

    private sealed class SessionChanges
    {
        /// <summary>Sessions to write: existing ones (with an id) to update, new ones to insert.</summary>
        public List<SessionRows.StagedSession> Changed { get; } = [];

        /// <summary>Airports decided in this batch.</summary>
        public List<SessionAirports> Airports { get; } = [];

        /// <summary>Emergency periods started, extended or closed in this batch.</summary>
        public List<EmergencyPeriod> Emergencies { get; } = [];

        public int AppliedStates { get; set; }

        public int Opened { get; set; }

        public int EndedSignalLost { get; set; }

        public int EndedLanded { get; set; }

        public int PointsAppended { get; set; }
    }

    private sealed class LiveColumns(string sql, int capacity)
    {
        private readonly List<long> aircraftId = new(capacity);
        private readonly List<string?> callsign = new(capacity);
        private readonly List<DateTime> lastContact = new(capacity);
        private readonly List<DateTime?> positionTime = new(capacity);
        private readonly List<double?> latitude = new(capacity);
        private readonly List<double?> longitude = new(capacity);
        private readonly List<double?> baro = new(capacity);
        private readonly List<double?> geo = new(capacity);
        private readonly List<double?> velocity = new(capacity);
        private readonly List<double?> heading = new(capacity);
        private readonly List<double?> verticalRate = new(capacity);
        private readonly List<bool> onGround = new(capacity);
        private readonly List<string?> squawk = new(capacity);
        private readonly List<short> source = new(capacity);
        private readonly List<DateTime> snapshotTime = new(capacity);

        public int Count => aircraftId.Count;

        /// <summary>
        /// The newest applied state, with the newest position among the applied states. Of several states with the
        /// same position time (whole seconds: two reports within one second differ) the first is kept, as
        /// <see cref="UpdateLive"/> keeps the stored one against a later batch, so batching never changes the row.
        /// </summary>
        public void Add(AircraftHistory history, ReadOnlySpan<CleanState> states)
        {
            var newest = states[^1];
            CleanState? positioned = null;
            for (var i = states.Length - 1; i >= 0 && history.IsNew(states[i].LastContact); i--)
            {
                if (states[i].HasPosition && (positioned is null || states[i].PositionTime >= positioned.Value.PositionTime))
                {
                    positioned = states[i];
                }
            }

            aircraftId.Add(history.AircraftId);
            callsign.Add(newest.Callsign);
            lastContact.Add(ToUtc(newest.LastContact));
            positionTime.Add(ToUtc(positioned?.PositionTime));
            latitude.Add(positioned?.Latitude);
            longitude.Add(positioned?.Longitude);
            baro.Add(newest.BaroAltitudeM);
            geo.Add(newest.GeoAltitudeM);
            velocity.Add(newest.VelocityKmh);
            heading.Add(newest.HeadingDeg);
            verticalRate.Add(newest.VerticalRateMs);
            onGround.Add(newest.OnGround);
            squawk.Add(newest.Squawk);
            source.Add(newest.PositionSource);
            snapshotTime.Add(ToUtc(newest.SnapshotTime));
        }

        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<long[]>("aircraft_id", aircraftId.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("callsign", callsign.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("last_contact", lastContact.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("position_time", positionTime.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("latitude", latitude.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("longitude", longitude.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("baro", baro.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("geo", geo.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("velocity", velocity.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("heading", heading.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("vrate", verticalRate.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<bool[]>("on_ground", onGround.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("squawk", squawk.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<short[]>("source", source.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("snapshot_time", snapshotTime.ToArray()));
            return command;
        }
    }
}
