using System.Diagnostics.Metrics;

namespace Flights.Core.Monitoring;

/// <summary>
/// The pipeline's counters, kept in two forms: OpenTelemetry-compatible instruments on the
/// <see cref="MeterName"/> meter (exported by the hosts), and process totals for progress lines and the
/// replay summary.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    /// <summary>The meter every instrument lives on.</summary>
    public const string MeterName = "Flights.Pipeline";

    private readonly Meter meter;
    private readonly Counter<long> statesReceived;
    private readonly Counter<long> statesWritten;
    private readonly Counter<long> statesRejected;
    private readonly Counter<long> deadLettered;
    private readonly Counter<long> sessionsOpened;
    private readonly Counter<long> sessionsEnded;
    private readonly Counter<long> statesPublished;
    private readonly Counter<long> implausiblePositions;
    private readonly Counter<long> emergenciesStarted;
    private long totalImplausible;
    private long totalEmergencies;
    private readonly Counter<long> messagesLost;
    private long totalReceived;
    private long totalWritten;
    private long totalIgnored;
    private long totalRejected;
    private long totalDeadLettered;
    private long totalOpened;
    private long totalSignalLost;
    private long totalLanded;
    private long totalPublished;
    private long totalBatches;
    private long totalLost;

    /// <summary>Creates the instruments.</summary>
    public PipelineMetrics(IMeterFactory? meterFactory = null)
    {
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        statesReceived = meter.CreateCounter<long>("flights.states.received", "{state}", "Messages taken from flight_raw_data");
        statesWritten = meter.CreateCounter<long>("flights.states.written", "{state}", "States applied to the warehouse");
        statesRejected = meter.CreateCounter<long>("flights.states.rejected", "{state}", "States that failed validation, by reason");
        deadLettered = meter.CreateCounter<long>("flights.messages.dead_lettered", "{message}", "Messages sent to the dead-letter topic");
        sessionsOpened = meter.CreateCounter<long>("flights.sessions.opened", "{session}", "Flight sessions opened");
        sessionsEnded = meter.CreateCounter<long>("flights.sessions.ended", "{session}", "Flight sessions ended, by reason");
        statesPublished = meter.CreateCounter<long>("flights.states.published", "{state}", "States published to flight_raw_data");
        implausiblePositions = meter.CreateCounter<long>("flights.positions.implausible", "{position}", "Positions kept out of routes and the live view, by reason");
        emergenciesStarted = meter.CreateCounter<long>("flights.emergencies.started", "{period}", "Emergency squawk periods started, by squawk");
        messagesLost = meter.CreateCounter<long>("flights.messages.lost", "{message}", "Messages the broker deleted (retention) before the processor read them");
    }

    /// <summary>Messages taken from the topic.</summary>
    public long Received => Interlocked.Read(ref totalReceived);

    /// <summary>States applied.</summary>
    public long Written => Interlocked.Read(ref totalWritten);

    /// <summary>Valid states that were already applied (duplicates, replays, older than known).</summary>
    public long Ignored => Interlocked.Read(ref totalIgnored);

    /// <summary>States rejected by validation.</summary>
    public long Rejected => Interlocked.Read(ref totalRejected);

    /// <summary>Messages dead-lettered.</summary>
    public long DeadLettered => Interlocked.Read(ref totalDeadLettered);

    /// <summary>Sessions opened.</summary>
    public long SessionsOpened => Interlocked.Read(ref totalOpened);

    /// <summary>Sessions ended with <c>signal_lost</c> (by the processor and the closer).</summary>
    public long EndedSignalLost => Interlocked.Read(ref totalSignalLost);

    /// <summary>Sessions ended with <c>landed</c> (by the processor and the closer).</summary>
    public long EndedLanded => Interlocked.Read(ref totalLanded);

    /// <summary>States published to Kafka.</summary>
    public long Published => Interlocked.Read(ref totalPublished);

    /// <summary>Positions found implausible (kept out of routes, live positions and distances).</summary>
    public long ImplausiblePositions => Interlocked.Read(ref totalImplausible);

    /// <summary>Emergency squawk periods started.</summary>
    public long EmergenciesStarted => Interlocked.Read(ref totalEmergencies);

    /// <summary>Messages the broker deleted before this process's consumer read them.</summary>
    public long Lost => Interlocked.Read(ref totalLost);

    /// <summary>Batches processed.</summary>
    public long Batches => Interlocked.Read(ref totalBatches);

    /// <summary>Records one processed batch.</summary>
    public void Record(BatchResult batch)
    {
        Interlocked.Increment(ref totalBatches);
        Add(statesReceived, ref totalReceived, batch.Messages - batch.ControlMessages); // snapshot markers are messages, not states
        Add(statesWritten, ref totalWritten, batch.Write.StatesApplied);
        Interlocked.Add(ref totalIgnored, batch.Write.StatesIgnored);
        Add(deadLettered, ref totalDeadLettered, batch.DeadLettered);
        foreach (var (reason, count) in batch.Rejected)
        {
            statesRejected.Add(count, new KeyValuePair<string, object?>("reason", reason.ToString()));
            Interlocked.Add(ref totalRejected, count);
        }

        Add(sessionsOpened, ref totalOpened, batch.Write.SessionsOpened);
        foreach (var (reason, count) in batch.Write.ImplausiblePositions)
        {
            implausiblePositions.Add(count, new KeyValuePair<string, object?>("reason", reason.ToString()));
            Interlocked.Add(ref totalImplausible, count);
        }

        foreach (var (squawk, count) in batch.Write.EmergenciesStarted)
        {
            emergenciesStarted.Add(count, new KeyValuePair<string, object?>("squawk", squawk));
            Interlocked.Add(ref totalEmergencies, count);
        }

        RecordEnded(batch.Write.EndedSignalLost, batch.Write.EndedLanded);
    }

    /// <summary>Records sessions ended (by the processor or the closer).</summary>
    public void RecordEnded(int signalLost, int landed)
    {
        if (signalLost > 0)
        {
            sessionsEnded.Add(signalLost, new KeyValuePair<string, object?>("reason", "signal_lost"));
            Interlocked.Add(ref totalSignalLost, signalLost);
        }

        if (landed > 0)
        {
            sessionsEnded.Add(landed, new KeyValuePair<string, object?>("reason", "landed"));
            Interlocked.Add(ref totalLanded, landed);
        }
    }

    /// <summary>Records messages found lost: the consumer's next offset lay below the partition's log start.</summary>
    public void RecordLost(long count) => Add(messagesLost, ref totalLost, count);

    /// <summary>Records states published to Kafka.</summary>
    public void RecordPublished(int count) => Add(statesPublished, ref totalPublished, count);

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();

    private static void Add(Counter<long> counter, ref long total, long value)
    {
        if (value > 0)
        {
            counter.Add(value);
            Interlocked.Add(ref total, value);
        }
    }
}
