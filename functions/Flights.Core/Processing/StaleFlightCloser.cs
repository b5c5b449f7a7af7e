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

    // The same rules the processor applies: one definition of when a flight has ended.
    private readonly SessionRules rules = new(options.Value);

    /// <summary>Runs the rules once. With <paramref name="dryRun"/> nothing is changed and the result lists what would be ended.</summary>
    public async Task<CloseResult> CloseAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var clocks = await PipelineStateTable.ReadAsync(connection, cancellationToken);
        var newest = clocks.Newest is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : (DateTimeOffset?)null;
        if (clocks.Safe is not { } clock)
        {
            if (!dryRun)
            {
                LogNoSafeClock(clocks.PartitionsWithClock, clocks.PartitionCount, newest);
            }

            return new CloseResult(null, [], 0) { NewestClock = newest };
        }

        var airportIndex = await airports.GetAsync(cancellationToken);
        var now = UnixTime.ToUnix(clock);
        var silentBefore = clock - settings.FlightEndThreshold;
        var closed = new List<ClosedSession>();
        var liveRemoved = 0;

        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var ending = new List<FlightSession>();
            var arrivals = new List<SessionAirports>();
            var chunk = new List<ClosedSession>();
            var (candidates, locked) = await SessionTable.LockEndCandidatesAsync(connection, transaction, silentBefore, settings.LandingDetection, clock - settings.LandingConfirmation, settings.CloseChunkSize, cancellationToken);
            foreach (var (hex, session) in candidates)
            {
                if (!rules.TryEndBySilence(session, now))
                {
                    continue;
                }

                ending.Add(session);
                if (airports.Rules.Decide(session, airportIndex) is { } decided)
                {
                    arrivals.Add(decided);
                }

                chunk.Add(new ClosedSession(session.SessionId!.Value, hex, session.Callsign, DateTimeOffset.FromUnixTimeSeconds(session.EndedAt!.Value), session.EndReason!));
            }

            if (dryRun)
            {
                closed.AddRange(chunk);
                await transaction.RollbackAsync(cancellationToken);
                break;
            }

            if (ending.Count > 0)
            {
                // Off their live rows too (a landed aircraft's row stays), with their arrival airports.
                var alongside = new List<NpgsqlBatchCommand> { LiveStatusTable.ClearFlightsCommand(ending.Select(s => s.SessionId!.Value)) };
                if (arrivals.Count > 0)
                {
                    alongside.Add(IntelligenceRows.AirportsCommand(arrivals));
                }

                await SessionTable.EndAsync(connection, transaction, ending, alongside, cancellationToken);
            }

            var removed = await LiveStatusTable.DeleteSilentAsync(connection, transaction, silentBefore, settings.CloseChunkSize, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Closer: ended {SignalLost} signal_lost and {Landed} landed, removed {LiveRemoved} live rows; on the lifecycle (safe) clock {SafeClock:u}, newest clock {NewestClock:u}")]
    private partial void LogRun(int signalLost, int landed, int liveRemoved, DateTimeOffset? safeClock, DateTimeOffset? newestClock);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closer: ended nothing: no lifecycle (safe) clock yet, {WithClock} of {Partitions} partitions have processed a snapshot marker (newest clock {NewestClock:u})")]
    private partial void LogNoSafeClock(int withClock, int? partitions, DateTimeOffset? newestClock);
}
