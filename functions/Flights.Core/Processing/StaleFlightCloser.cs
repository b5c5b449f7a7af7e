using Flights.Core.Monitoring;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core.Processing;

/// <summary>A session the closer ended (or, in a dry run, would end).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Icao24">The aircraft.</param>
/// <param name="Callsign">Its callsign.</param>
/// <param name="EndedAt">End time.</param>
/// <param name="Reason"><c>signal_lost</c> or <c>landed</c>.</param>
public sealed record ClosedSession(long SessionId, string Icao24, string? Callsign, DateTimeOffset EndedAt, string Reason);

/// <summary>What one closer run did.</summary>
/// <param name="PipelineClock">The clock the rules ran on: the lifecycle (safe) clock, the minimum over the topic's partitions; null while there is none (nothing processed yet, or a partition without a snapshot marker), and then nothing is ended.</param>
/// <param name="Sessions">Sessions ended.</param>
/// <param name="LiveRowsRemoved">Rows removed from <c>live_status</c>.</param>
public sealed record CloseResult(DateTimeOffset? PipelineClock, IReadOnlyList<ClosedSession> Sessions, int LiveRowsRemoved)
{
    /// <summary>The newest clock (newest snapshot time processed on any partition), for comparison; the rules never use it.</summary>
    public DateTimeOffset? NewestClock { get; init; }

    /// <summary>Sessions ended with <c>signal_lost</c>.</summary>
    public int SignalLost => Sessions.Count(s => s.Reason == SessionReasons.SignalLost);

    /// <summary>Sessions ended with <c>landed</c>.</summary>
    public int Landed => Sessions.Count(s => s.Reason == SessionReasons.Landed);
}

/// <summary>
/// The stale-flight closer: on the lifecycle clock (never the wall clock) it ends sessions silent for longer than the flight-end threshold (<c>signal_lost</c>) and
/// sessions whose aircraft has been on the ground for the landing confirmation time with no state since
/// (<c>landed</c>), and removes silent aircraft from the live view. It works in chunks, one transaction
/// each, locking aircraft rows in transponder order with SKIP LOCKED: it never waits for the processor
/// and re-checks every rule on the locked rows, so a session that just got a signal stays open.
/// The lifecycle ("safe") clock is the oldest of the partitions' marker clocks (<c>partition_clocks</c>): every
/// state of every snapshot up to it is in the warehouse, on every partition, so no state still waiting in Kafka
/// can belong before it. The newest clock (<c>pipeline_state.pipeline_clock</c>) can run ahead of it while
/// partitions drain unevenly; silence judged against it ended flights whose states were still on their way.
/// </summary>
public sealed partial class StaleFlightCloser(NpgsqlDataSource dataSource, IOptions<SessionOptions> options, PipelineMetrics metrics, ILogger<StaleFlightCloser> logger, FlightIntelligence? intelligence = null)
{
    // The arrival airport of every flight it ends (issue 16).
    private readonly AirportDirectory airports = (intelligence ?? FlightIntelligence.Create(dataSource, options.Value)).Airports;

    // The safe clock exists only when every partition below the count the markers gave has a marker clock.
    private const string ReadClocks = """
        select p.pipeline_clock,
               (select min(c.clock) from partition_clocks c where c.partition < p.partition_count having count(*) = p.partition_count),
               p.partition_count,
               (select count(*) from partition_clocks c where c.partition < p.partition_count)::int
        from pipeline_state p
        """;

    // Candidates by the rules, locked with their aircraft row; the rules are checked again in code on the locked values.
    private const string LockCandidates = $"""
        select d.transponder_hex, {SessionRows.Columns},
               l.position_time, l.latitude, l.longitude, l.baro_altitude_m, l.geo_altitude_m, l.velocity_kmh, l.heading_deg, l.vertical_rate_ms, l.on_ground
        from flight_sessions s
        join dim_aircrafts d on d.aircraft_id = s.aircraft_id
        left join live_status l on l.aircraft_id = s.aircraft_id
        where s.ended_at is null
          and (s.last_signal_at < @silent_before or (@landing and s.ground_since <= @grounded_before))
        order by d.transponder_hex
        limit @chunk
        for update of d, s skip locked
        """;

    private const string DeleteSilentLive = """
        delete from live_status l
        using (
            select l2.aircraft_id
            from live_status l2
            join dim_aircrafts d on d.aircraft_id = l2.aircraft_id
            where l2.last_contact < @silent_before
              and not exists (select 1 from flight_sessions s where s.aircraft_id = l2.aircraft_id and s.ended_at is null)
            order by d.transponder_hex
            limit @chunk
            for update of d, l2 skip locked
        ) silent
        where l.aircraft_id = silent.aircraft_id
        """;

    /// <summary>Runs the rules once. With <paramref name="dryRun"/> nothing is changed and the result lists what would be ended.</summary>
    public async Task<CloseResult> CloseAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        DateTime? newestValue, clockValue;
        int? partitionCount;
        int partitionsWithClock;
        await using (var clockCommand = new NpgsqlCommand(ReadClocks, connection))
        await using (var clockReader = await clockCommand.ExecuteReaderAsync(cancellationToken))
        {
            await clockReader.ReadAsync(cancellationToken);
            newestValue = clockReader.IsDBNull(0) ? null : clockReader.GetFieldValue<DateTime>(0);
            clockValue = clockReader.IsDBNull(1) ? null : clockReader.GetFieldValue<DateTime>(1);
            partitionCount = clockReader.IsDBNull(2) ? null : clockReader.GetInt32(2);
            partitionsWithClock = clockReader.GetInt32(3);
        }

        var newest = newestValue is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : (DateTimeOffset?)null;
        if (clockValue is not { } clock)
        {
            if (!dryRun)
            {
                LogNoSafeClock(partitionsWithClock, partitionCount, newest);
            }

            return new CloseResult(null, [], 0) { NewestClock = newest };
        }

        var airportIndex = await airports.GetAsync(cancellationToken);
        var now = UnixTime.ToUnix(clock);
        var flightEnd = (long)settings.FlightEndThreshold.TotalSeconds;
        var confirmation = (long)settings.LandingConfirmation.TotalSeconds;
        var silentBefore = clock - settings.FlightEndThreshold;
        var closed = new List<ClosedSession>();
        var liveRemoved = 0;

        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var ending = new List<SessionRows.StagedSession>();
            var arrivals = new List<SessionAirports>();
            var chunk = new List<ClosedSession>();
            int locked;
            await using (var command = new NpgsqlCommand(LockCandidates, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<DateTime>("silent_before", silentBefore));
                command.Parameters.Add(new NpgsqlParameter<bool>("landing", settings.LandingDetection));
                command.Parameters.Add(new NpgsqlParameter<DateTime>("grounded_before", clock - settings.LandingConfirmation));
                command.Parameters.Add(new NpgsqlParameter<int>("chunk", settings.CloseChunkSize));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                locked = 0;
                while (await reader.ReadAsync(cancellationToken))
                {
                    locked++;
                    var hex = reader.GetString(0);
                    var session = SessionRows.Read(reader, 1);
                    session.LastKnownPosition = LivePosition(reader, session.LastSignalAt);
                    if (settings.LandingDetection && session.GroundSince is { } touchdown && now - touchdown >= confirmation)
                    {
                        session.End(touchdown, SessionReasons.Landed, session.GroundPoint);
                    }
                    else if (now - session.LastSignalAt > flightEnd)
                    {
                        session.End(session.LastSignalAt, SessionReasons.SignalLost, session.LastKnownPosition);
                    }
                    else
                    {
                        continue;
                    }

                    ending.Add(new SessionRows.StagedSession(session));
                    if (airports.Rules.Decide(session, airportIndex) is { } decided)
                    {
                        arrivals.Add(decided);
                    }

                    chunk.Add(new ClosedSession(session.SessionId!.Value, hex, session.Callsign, DateTimeOffset.FromUnixTimeSeconds(session.EndedAt!.Value), session.EndReason!));
                }
            }

            if (dryRun)
            {
                closed.AddRange(chunk);
                await transaction.RollbackAsync(cancellationToken);
                break;
            }

            if (ending.Count > 0)
            {
                await SessionRows.StageAsync(connection, transaction, ending, cancellationToken);
                await using var update = new NpgsqlCommand(SessionRows.UpdateFromStage, connection, transaction);
                await update.ExecuteNonQueryAsync(cancellationToken);
                await using var airportUpdate = new NpgsqlBatch(connection, transaction) { BatchCommands = { IntelligenceRows.AirportsCommand(arrivals) } };
                await airportUpdate.ExecuteNonQueryAsync(cancellationToken);
            }

            int removed;
            await using (var delete = new NpgsqlCommand(DeleteSilentLive, connection, transaction))
            {
                delete.Parameters.Add(new NpgsqlParameter<DateTime>("silent_before", silentBefore));
                delete.Parameters.Add(new NpgsqlParameter<int>("chunk", settings.CloseChunkSize));
                removed = await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            closed.AddRange(chunk);
            liveRemoved += removed;
            if (locked < settings.CloseChunkSize && removed < settings.CloseChunkSize)
            {
                break;
            }
        }

        var result = new CloseResult(new DateTimeOffset(clock, TimeSpan.Zero), closed, liveRemoved) { NewestClock = newest };
        if (!dryRun)
        {
            metrics.RecordEnded(result.SignalLost, result.Landed);
            LogRun(result.SignalLost, result.Landed, liveRemoved, result.PipelineClock, newest);
        }

        return result;
    }

    // The last known position becomes the final point only if it belongs to this session's signal.
    private static RoutePoint? LivePosition(NpgsqlDataReader reader, long lastSignalAt)
    {
        const int Offset = 17;
        if (reader.IsDBNull(Offset) || reader.IsDBNull(Offset + 1))
        {
            return null;
        }

        var time = UnixTime.ToUnix(reader.GetFieldValue<DateTime>(Offset));
        if (time > lastSignalAt)
        {
            return null;
        }

        return new RoutePoint(time, reader.GetDouble(Offset + 1), reader.GetDouble(Offset + 2),
            SmartWriter.NullableDouble(reader, Offset + 3) ?? SmartWriter.NullableDouble(reader, Offset + 4),
            SmartWriter.NullableDouble(reader, Offset + 5), SmartWriter.NullableDouble(reader, Offset + 6),
            SmartWriter.NullableDouble(reader, Offset + 7), !reader.IsDBNull(Offset + 8) && reader.GetBoolean(Offset + 8));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closer: ended {SignalLost} signal_lost and {Landed} landed, removed {LiveRemoved} live rows; on the lifecycle (safe) clock {SafeClock:u}, newest clock {NewestClock:u}")]
    private partial void LogRun(int signalLost, int landed, int liveRemoved, DateTimeOffset? safeClock, DateTimeOffset? newestClock);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closer: ended nothing: no lifecycle (safe) clock yet, {WithClock} of {Partitions} partitions have processed a snapshot marker (newest clock {NewestClock:u})")]
    private partial void LogNoSafeClock(int withClock, int? partitions, DateTimeOffset? newestClock);
}
