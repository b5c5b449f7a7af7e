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
/// The smart write: applies a batch of clean states to <c>dim_aircrafts</c>, <c>live_status</c>,
/// <c>flight_sessions</c> and <c>route_points</c> in one transaction and a handful of round trips (array
/// parameters and binary COPY, never one statement per state). Per aircraft and batch it writes its aircraft row
/// and its live row, which carries the running values of its open flight; a flight's row is written only when it
/// opens or ends, and a route point is one appended row (migration 010). Each table's SQL is in its own file
/// (<see cref="AircraftTable"/>, <see cref="LiveStatusTable"/>, <see cref="SessionTable"/>,
/// <see cref="PipelineStateTable"/>, <see cref="IntelligenceRows"/>); this class decides what goes where.
/// Aircraft rows are locked in id order by every writing transaction (<see cref="AircraftTable.Lock"/>), which
/// serialises concurrent batches for the same aircraft without deadlocks; the closer skips locked rows.
/// </summary>
public sealed class SmartWriter(NpgsqlDataSource dataSource, SessionRules rules, FlightIntelligence? intelligence = null, int writers = SmartWriter.DefaultWriters, int minAircraftPerWriter = SmartWriter.DefaultMinAircraftPerWriter)
{
    /// <summary>Connections that write one large batch together (each its own aircraft; see <c>WriteOnceAsync</c>).</summary>
    public const int DefaultWriters = 2;

    /// <summary>A batch is split only into parts of at least this many aircraft: below it a part's fixed costs dominate.</summary>
    public const int DefaultMinAircraftPerWriter = 2000;

    // Known aircraft are locked and read by id (see AircraftIds for why and how it stays right).
    private readonly AircraftIds aircraftIds = new();

    // Airports, implausible positions and emergencies (issue 16); the defaults when the host gave none.
    private readonly FlightIntelligence intelligence = intelligence ?? FlightIntelligence.Create(dataSource, rules.Options);

    /// <summary>Applies the states of a batch without snapshot markers (see the overload with markers).</summary>
    public Task<WriteResult> WriteAsync(IReadOnlyList<CleanState> states, CancellationToken cancellationToken) =>
        WriteAsync(states, PartitionClocks.None, cancellationToken);

    /// <summary>
    /// Applies the states and the batch's snapshot markers in one transaction. States may be in any order and
    /// contain duplicates or states already applied: applying a batch again, or any prefix of it, changes nothing.
    /// </summary>
    public async Task<WriteResult> WriteAsync(IReadOnlyList<CleanState> states, PartitionClocks markers, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteOnceAsync(states, markers, cancellationToken);
        }
        catch (AircraftIdsOutOfDateException)
        {
            // Nothing was written (the check runs under the lock, before any change): once more, every id looked up.
            aircraftIds.Clear();
            return await WriteOnceAsync(states, markers, cancellationToken);
        }
    }

    private async Task<WriteResult> WriteOnceAsync(IReadOnlyList<CleanState> states, PartitionClocks markers, CancellationToken cancellationToken)
    {
        if (states.Count == 0)
        {
            return markers.IsEmpty ? new WriteResult(0, 0, 0, 0, 0, 0, 0, null) : await WriteMarkersOnlyAsync(long.MinValue, markers, cancellationToken);
        }

        var byAircraft = GroupByAircraft(states, out var maxSnapshot);
        var hexes = byAircraft.Keys.ToArray();
        Array.Sort(hexes, StringComparer.Ordinal);
        var airports = await intelligence.Airports.GetAsync(cancellationToken);

        SessionChanges[] changes;
        DateTimeOffset? pipelineClock;
        var groups = Math.Clamp(hexes.Length / minAircraftPerWriter, 1, writers);
        if (groups == 1)
        {
            var written = await WriteAircraftAsync(hexes, byAircraft, airports, (maxSnapshot, markers), cancellationToken);
            changes = [written.Changes];
            pipelineClock = written.PipelineClock;
        }
        else
        {
            // A large batch is written by several connections at once, each a transaction for its own aircraft (in
            // transponder ranges): the server's share of a batch is most of its time and runs on one core per
            // connection. Every aircraft's states stay in one transaction, so each is applied whole, and a batch
            // that fails after some of its transactions committed is applied again like any batch delivered twice.
            // The clocks move only after all of them committed: the closer must never see a clock ahead of states
            // still being written. (Measured, bench write, step 10 s: see the README's performance table.)
            var size = (hexes.Length + groups - 1) / groups;
            changes = await Task.WhenAll(Enumerable.Range(0, groups).Select(async g =>
                (await WriteAircraftAsync(hexes[(g * size)..Math.Min(hexes.Length, (g + 1) * size)], byAircraft, airports, null, cancellationToken)).Changes));
            pipelineClock = (await WriteMarkersOnlyAsync(maxSnapshot, markers, cancellationToken)).PipelineClock;
        }

        var applied = changes.Sum(c => c.AppliedStates);
        var implausible = changes.Sum(c => c.Implausible);
        return new WriteResult(hexes.Length, applied, states.Count - applied, changes.Sum(c => c.Opened.Count), changes.Sum(c => c.EndedSignalLost), changes.Sum(c => c.EndedLanded), changes.Sum(c => c.PointsAppended), pipelineClock)
        {
            ImplausiblePositions = implausible > 0 ? new Dictionary<ImplausibleReason, int> { [ImplausibleReason.ImpliedSpeed] = implausible } : new Dictionary<ImplausibleReason, int>(),
            EmergenciesStarted = changes.SelectMany(c => c.Emergencies).Where(e => e.IsNew).GroupBy(e => e.Squawk).ToDictionary(g => g.Key, g => g.Count()),
        };
    }

    /// <summary>
    /// Applies the states of the given aircraft in one transaction; with <paramref name="clocks"/>, advances the clocks
    /// in it too.
    /// </summary>
    private async Task<(SessionChanges Changes, DateTimeOffset? PipelineClock)> WriteAircraftAsync(string[] hexes, Dictionary<string, List<CleanState>> byAircraft, AirportIndex airports, (long MaxSnapshot, PartitionClocks Markers)? clocks, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var (histories, openEmergencies) = await LockAndLoadAsync(connection, transaction, hexes, byAircraft, cancellationToken);

        // Implausible positions leave their states before anything is decided, so the live row and the rules agree.
        var implausible = 0;
        foreach (var hex in hexes)
        {
            implausible += intelligence.Positions.Apply(histories[hex].History, byAircraft[hex]);
        }

        // The aircraft rows depend only on the states and each aircraft's watermark, not on the session rules: they
        // go to the server first and are written there while the rules run here.
        var aircraftUpdates = new AircraftTable.UpdateColumns(hexes.Length);
        foreach (var hex in hexes)
        {
            var (history, firstSeen) = histories[hex];
            var aircraftStates = CollectionsMarshal.AsSpan(byAircraft[hex]);
            var newest = aircraftStates[^1];
            var oldest = aircraftStates[0].LastContact;
            if (history.IsNew(newest.LastContact) || oldest < firstSeen)
            {
                aircraftUpdates.Add(history.AircraftId, oldest, Math.Max(newest.LastContact, history.Watermark ?? long.MinValue), LatestCallsign(aircraftStates), LatestCategory(aircraftStates), newest.OriginCountry);
            }
        }

        await using var aircraftBatch = new NpgsqlBatch(connection, transaction);
        AddIfAny(aircraftBatch, aircraftUpdates.Count, aircraftUpdates.ToCommand);
        var aircraftWrite = aircraftBatch.BatchCommands.Count > 0 ? aircraftBatch.ExecuteNonQueryAsync(cancellationToken) : Task.FromResult(0);

        SessionChanges sessions;
        try
        {
            sessions = ApplySessionRules(hexes, histories, byAircraft, airports, openEmergencies);
        }
        catch
        {
            // The connection must be idle before it is returned; the rules' error is the one that matters.
            await aircraftWrite.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        await aircraftWrite;

        // Ended flights first: the one open flight per aircraft that the database allows may be replaced by a new one.
        if (sessions.EndedExisting.Count > 0)
        {
            // Their live rows get the aircraft's state after the batch below.
            await SessionTable.EndAsync(connection, transaction, sessions.EndedExisting, [], cancellationToken);
        }

        if (sessions.Opened.Count > 0)
        {
            var ids = await SessionTable.ReserveIdsAsync(connection, transaction, sessions.Opened.Count, cancellationToken);
            for (var i = 0; i < ids.Length; i++)
            {
                sessions.Opened[i].SessionId = ids[i];
            }

            await SessionTable.CopyOpenedAsync(connection, sessions.Opened, cancellationToken);
        }

        if (sessions.OpenWithNewPoints.Count > 0)
        {
            await SessionTable.CopyPointsAsync(connection, sessions.OpenWithNewPoints, cancellationToken);
        }

        // The live rows carry the open flights, whose ids exist only now.
        var liveRows = new List<LiveStatusTable.LiveRow>(hexes.Length);
        var liveInserts = 0;
        for (var i = 0; i < hexes.Length; i++)
        {
            var history = histories[hexes[i]].History;
            var aircraftStates = CollectionsMarshal.AsSpan(byAircraft[hexes[i]]);
            if (history.IsNew(aircraftStates[^1].LastContact))
            {
                liveRows.Add(new LiveStatusTable.LiveRow(history, aircraftStates, sessions.OpenAfter[i]));
                liveInserts += history.LiveLastContact is null ? 1 : 0;
            }
        }

        if (liveRows.Count > 0)
        {
            await LiveStatusTable.StageAsync(connection, transaction, liveRows, cancellationToken);
        }

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            AddIfAny(batch, liveRows.Count - liveInserts, () => new NpgsqlBatchCommand(LiveStatusTable.UpdateFromStage));
            AddIfAny(batch, liveInserts, () => new NpgsqlBatchCommand(LiveStatusTable.InsertFromStage));
            AddIfAny(batch, sessions.Airports.Count, () => IntelligenceRows.AirportsCommand(sessions.Airports));
            AddIfAny(batch, sessions.Emergencies.Count, () => IntelligenceRows.EmergenciesCommand(sessions.Emergencies));
            if (clocks is var (maxSnapshot, markers))
            {
                PipelineStateTable.AddAdvance(batch, maxSnapshot, markers);
            }

            var pipelineClock = await PipelineStateTable.ExecuteAdvanceAsync(batch, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            sessions.Implausible = implausible;
            return (sessions, pipelineClock);
        }
    }

    // A batch of nothing but markers (the tail of a partition, or a snapshot of an empty bounding box) still
    // moves the clocks: that is what lets the closer end flights of partitions no aircraft hashes to. Also the
    // clocks of a batch written by several transactions, once all of them committed.
    private async Task<WriteResult> WriteMarkersOnlyAsync(long maxSnapshot, PartitionClocks markers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        PipelineStateTable.AddAdvance(batch, maxSnapshot, markers);
        var pipelineClock = await PipelineStateTable.ExecuteAdvanceAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriteResult(0, 0, 0, 0, 0, 0, 0, pipelineClock);
    }

    private static void AddIfAny(NpgsqlBatch batch, int rows, Func<NpgsqlBatchCommand> command)
    {
        if (rows > 0)
        {
            batch.BatchCommands.Add(command());
        }
    }

    // The session rules for every aircraft, as the rows to write.
    private SessionChanges ApplySessionRules(string[] hexes, Dictionary<string, (AircraftHistory History, long FirstSeen)> histories, Dictionary<string, List<CleanState>> byAircraft, AirportIndex airports, Dictionary<long, EmergencyPeriod> openEmergencies)
    {
        var changes = new SessionChanges(hexes.Length);
        for (var i = 0; i < hexes.Length; i++)
        {
            var history = histories[hexes[i]].History;
            var aircraftStates = CollectionsMarshal.AsSpan(byAircraft[hexes[i]]);
            var outcome = rules.Apply(history, aircraftStates);
            changes.AppliedStates += outcome.AppliedStates;
            intelligence.Emergencies.Apply(history, openEmergencies.GetValueOrDefault(history.AircraftId), aircraftStates, changes.Emergencies);
            foreach (var session in outcome.Sessions)
            {
                if (session.IsOpen)
                {
                    changes.OpenAfter[i] = session;
                }

                if (!session.Changed)
                {
                    continue;
                }

                if (intelligence.Airports.Rules.Decide(session, airports) is { } decided)
                {
                    changes.Airports.Add(decided);
                }

                changes.PointsAppended += session.NewPoints.Count;
                if (session.SessionId is null)
                {
                    changes.Opened.Add(session);
                }
                else if (!session.IsOpen)
                {
                    changes.EndedExisting.Add(session);
                }

                if (session.IsOpen && session.NewPoints.Count > 0)
                {
                    changes.OpenWithNewPoints.Add(session);
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

    // At most two round trips: the ids of aircraft not in the cache (inserting the new ones), then the lock, the
    // history and the emergency periods that may go on, each a statement with its own snapshot, in one batch.
    // Periods last seen longer ago than the flight-end threshold before the batch's oldest state cannot go on.
    private async Task<(Dictionary<string, (AircraftHistory History, long FirstSeen)> Histories, Dictionary<long, EmergencyPeriod> OpenEmergencies)> LockAndLoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] hexes, Dictionary<string, List<CleanState>> byAircraft, CancellationToken cancellationToken)
    {
        await AddUnknownIdsAsync(connection, transaction, hexes, byAircraft, cancellationToken);
        var ids = new long[hexes.Length];
        for (var i = 0; i < hexes.Length; i++)
        {
            if (!aircraftIds.TryGet(hexes[i], out ids[i]))
            {
                throw new AircraftIdsOutOfDateException();
            }
        }

        Array.Sort(ids);
        var histories = new Dictionary<string, (AircraftHistory, long)>(hexes.Length, StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var lockRows = new NpgsqlBatchCommand(AircraftTable.Lock);
        lockRows.Parameters.Add(new NpgsqlParameter<long[]>("id", ids));
        batch.BatchCommands.Add(lockRows);
        var load = new NpgsqlBatchCommand(SessionTable.LoadHistory);
        load.Parameters.Add(new NpgsqlParameter<long[]>("id", ids));
        batch.BatchCommands.Add(load);
        var emergencies = new NpgsqlBatchCommand(IntelligenceRows.LoadOpenEmergencies);
        emergencies.Parameters.Add(new NpgsqlParameter<long[]>("id", ids));
        emergencies.Parameters.Add(new NpgsqlParameter<DateTime>("since", ToUtc(byAircraft.Values.Min(list => list[0].LastContact)) - rules.Options.FlightEndThreshold));
        batch.BatchCommands.Add(emergencies);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var locked = new Dictionary<long, (string Hex, long FirstSeen, long? Watermark)>(ids.Length);
        while (await reader.ReadAsync(cancellationToken))
        {
            // A row whose transponder is not the cached one (a database replaced under the process) stops the batch before any change.
            var aircraftId = reader.GetInt64(0);
            var hex = reader.GetString(1);
            if (!aircraftIds.TryGet(hex, out var cached) || cached != aircraftId)
            {
                throw new AircraftIdsOutOfDateException();
            }

            // New aircraft have last_seen = -infinity (AircraftTable.InsertNew): no watermark yet.
            var lastSeen = reader.GetFieldValue<DateTime>(3);
            locked[aircraftId] = (hex, RowReaders.Time(reader, 2), lastSeen == DateTime.MinValue ? null : ToUnix(lastSeen));
        }

        if (locked.Count != ids.Length)
        {
            throw new AircraftIdsOutOfDateException();
        }

        await reader.NextResultAsync(cancellationToken);
        var aircraftIdColumn = reader.GetOrdinal("aircraft_id");
        var sessionColumns = new SessionTable.HistoryReader(reader);
        var liveColumns = new LiveStatusTable.HistoryReader(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            var aircraftId = reader.GetInt64(aircraftIdColumn);
            var (hex, firstSeen, watermark) = locked[aircraftId];
            histories[hex] = (new AircraftHistory(aircraftId, watermark, sessionColumns.Read(aircraftId), liveColumns.OnGround, liveColumns.LastContact, liveColumns.Position()), firstSeen);
        }

        // Aircraft without a live row (new, or removed from the live view after a long silence) have no open flight.
        foreach (var (aircraftId, (hex, firstSeen, watermark)) in locked)
        {
            if (!histories.ContainsKey(hex))
            {
                histories[hex] = (new AircraftHistory(aircraftId, watermark, null, null, null, null), firstSeen);
            }
        }

        await reader.NextResultAsync(cancellationToken);
        var open = new Dictionary<long, EmergencyPeriod>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var period = IntelligenceRows.ReadOpenEmergency(reader);
            // At most one run per aircraft can be open: a new one closes the one before.
            if (!open.TryGetValue(period.AircraftId, out var other) || other.StartedAt < period.StartedAt)
            {
                open[period.AircraftId] = period;
            }
        }

        return (histories, open);
    }

    // New aircraft get last_seen = -infinity so that every state of theirs counts as new (see AircraftTable.InsertNew).
    private async Task AddUnknownIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] hexes, Dictionary<string, List<CleanState>> byAircraft, CancellationToken cancellationToken)
    {
        var unknown = hexes.Where(h => !aircraftIds.TryGet(h, out _)).ToArray();
        if (unknown.Length == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand(AircraftTable.InsertNew);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("hex", unknown));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("first_seen", unknown.Select(h => ToUtc(byAircraft[h][0].LastContact)).ToArray()));
        batch.BatchCommands.Add(insert);
        var select = new NpgsqlBatchCommand(AircraftTable.SelectIds);
        select.Parameters.Add(new NpgsqlParameter<string[]>("hex", unknown));
        batch.BatchCommands.Add(select);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                aircraftIds.Add(reader.GetString(1), reader.GetInt64(0));
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
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

    private sealed class SessionChanges(int aircraft)
    {
        /// <summary>Per aircraft (in the order of the batch's sorted transponders), its open session after the batch.</summary>
        public FlightSession?[] OpenAfter { get; } = new FlightSession?[aircraft];

        /// <summary>Sessions the batch opened (some may have ended too); they get their ids before they are written.</summary>
        public List<FlightSession> Opened { get; } = [];

        /// <summary>Sessions that were open before the batch and ended in it.</summary>
        public List<FlightSession> EndedExisting { get; } = [];

        /// <summary>Sessions open after the batch that got route points.</summary>
        public List<FlightSession> OpenWithNewPoints { get; } = [];

        /// <summary>Airports decided in this batch.</summary>
        public List<SessionAirports> Airports { get; } = [];

        /// <summary>Emergency periods started, extended or closed in this batch.</summary>
        public List<EmergencyPeriod> Emergencies { get; } = [];

        public int AppliedStates { get; set; }

        public int EndedSignalLost { get; set; }

        public int EndedLanded { get; set; }

        public int PointsAppended { get; set; }

        /// <summary>States kept out of routes and live positions as implausible.</summary>
        public int Implausible { get; set; }
    }
}

/// <summary>The writer's id cache disagrees with the database; the batch is retried with every id looked up.</summary>
internal sealed class AircraftIdsOutOfDateException : Exception
{
    public AircraftIdsOutOfDateException()
        : base("the aircraft id cache does not match dim_aircrafts")
    {
    }
}
