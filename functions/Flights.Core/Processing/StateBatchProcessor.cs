using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core.Processing;

/// <summary>A batch decoded and cleaned by <see cref="StateBatchProcessor.Prepare"/>, not yet written.</summary>
public sealed record PreparedBatch
{
    internal PreparedBatch(int messages, List<CleanState> clean, List<IncomingMessage> sources, List<(IncomingMessage, string)> dead,
        Dictionary<RejectReason, int> rejected, (string Icao24, RejectReason Reason)? example, PartitionClocks clocks, int control)
    {
        Messages = messages;
        Clean = clean;
        Sources = sources;
        Dead = dead;
        Rejected = rejected;
        Example = example;
        Clocks = clocks;
        Control = control;
    }

    /// <summary>Messages in the batch.</summary>
    public int Messages { get; }

    internal List<CleanState> Clean { get; }

    internal List<IncomingMessage> Sources { get; }

    internal List<(IncomingMessage, string)> Dead { get; }

    internal Dictionary<RejectReason, int> Rejected { get; }

    internal (string Icao24, RejectReason Reason)? Example { get; }

    internal PartitionClocks Clocks { get; }

    internal int Control { get; }

    internal void Deconstruct(out int messages, out List<CleanState> clean, out List<IncomingMessage> sources, out List<(IncomingMessage, string)> dead,
        out Dictionary<RejectReason, int> rejected, out (string Icao24, RejectReason Reason)? example, out PartitionClocks clocks, out int control) =>
        (messages, clean, sources, dead, rejected, example, clocks, control) = (Messages, Clean, Sources, Dead, Rejected, Example, Clocks, Control);
}

/// <summary>
/// Processes one batch from <c>flight_raw_data</c>: decode, dead-letter what is not a state document,
/// clean, and apply the smart write in one transaction. The Kafka-triggered function and the local
/// consumer both call this. A transient failure (<see cref="TransientFailures"/>: the database away, a
/// conflict, Kafka away) propagates so the batch is retried with backoff and no offset is committed;
/// retrying is safe because the write is idempotent. Any other failure is a property of the data: the
/// batch is split and written in halves until the state(s) that cannot be written are isolated, and those
/// go to the dead-letter topic with the error, so one poison message never stops a partition.
/// </summary>
public sealed partial class StateBatchProcessor(SmartWriter writer, IDeadLetterSink deadLetters, IOptions<SessionOptions> options, PipelineMetrics metrics, ILogger<StateBatchProcessor> logger, TimeProvider? timeProvider = null)
{
    private const int MaxConflictRetries = 3;
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    /// <summary>Processes the messages; returns when the batch is committed.</summary>
    public Task<BatchResult> ProcessAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken) =>
        WriteAsync(Prepare(messages), cancellationToken);

    /// <summary>
    /// The first half of <see cref="ProcessAsync"/>, without I/O: decodes and cleans the messages. A consumer can
    /// prepare the next batch while the previous one is written; <see cref="WriteAsync"/> may be called again with
    /// the same prepared batch after a failure (it is not changed by writing).
    /// </summary>
    public PreparedBatch Prepare(IReadOnlyList<IncomingMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var settings = options.Value;
        var skew = settings.MaxClockSkew;
        // The wall clock only bounds what is plausible; the rules below run on the data's own times.
        var latest = SnapshotTimes.Latest(time.GetUtcNow(), settings.MaxSnapshotAhead);
        var clean = new List<CleanState>(messages.Count);
        var sources = new List<IncomingMessage>(messages.Count);
        var dead = new List<(IncomingMessage, string)>();
        var rejected = new Dictionary<RejectReason, int>();
        (string Icao24, RejectReason Reason)? example = null;
        var clocks = new PartitionClocks(latest);
        var control = 0;

        foreach (var message in messages)
        {
            if (message.Value is null)
            {
                dead.Add((message, "message has no value"));
                continue;
            }

            var kind = StateMessage.Read(message.Value, out var envelope, out var marker, out var error);
            if (kind is MessageKind.Marker or MessageKind.UnknownControl)
            {
                // Control messages are never poison: one whose time cannot be a snapshot's is skipped and logged.
                control++;
                if (kind == MessageKind.Marker && !clocks.Add(message.Partition, marker.SnapshotTime, marker.Partitions))
                {
                    LogMarkerIgnored(message.Partition, message.Offset, marker.SnapshotTime);
                }

                continue;
            }

            if (kind == MessageKind.Invalid)
            {
                dead.Add((message, error));
                continue;
            }

            if (StateCleaner.TryClean(envelope, skew, latest, out var state) is { } reason)
            {
                rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
                example ??= (envelope.State.Icao24, reason);
                continue;
            }

            clean.Add(state);
            sources.Add(message);
        }

        return new PreparedBatch(messages.Count, clean, sources, dead, rejected, example, clocks, control);
    }

    /// <summary>The second half of <see cref="ProcessAsync"/>: dead letters, the smart write (in one transaction), metrics; returns when the batch is committed.</summary>
    public async Task<BatchResult> WriteAsync(PreparedBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (count, clean, sources, dead, rejected, example, clocks, control) = batch;
        if (dead.Count > 0)
        {
            await deadLetters.SendAsync(dead, cancellationToken);
            LogDeadLettered(dead.Count, dead[0].Item1.Partition, dead[0].Item1.Offset, dead[0].Item2);
        }

        if (example is { } first)
        {
            // One line per batch, whatever the number of rejects: the counts carry the rest.
            LogRejected(rejected.Values.Sum(), string.Join(", ", rejected.Select(r => $"{r.Key}={r.Value}")), first.Icao24, first.Reason);
        }

        var (write, poisoned) = await WriteIsolatingPoisonAsync(clean, sources, clocks, cancellationToken);
        var result = new BatchResult(count, dead.Count + poisoned, rejected, write) { ControlMessages = control };
        metrics.Record(result);
        LogBatch(count, write.StatesApplied, write.StatesIgnored, result.RejectedTotal, result.DeadLettered, write.SessionsOpened, write.EndedSignalLost, write.EndedLanded, write.PipelineClock);
        return result;
    }

    private async Task<(WriteResult Write, int Poisoned)> WriteIsolatingPoisonAsync(List<CleanState> clean, List<IncomingMessage> sources, PartitionClocks clocks, CancellationToken cancellationToken)
    {
        try
        {
            return (await WriteWithConflictRetryAsync(clean, clocks, cancellationToken), 0);
        }
        catch (Exception ex) when (IsPoisonCandidate(ex, cancellationToken))
        {
            // The whole batch rolled back. Halves are written in order, each in its own transaction, so an
            // aircraft's states still arrive oldest first; only the state(s) that fail alone are set aside.
            LogIsolating(clean.Count, ex.GetType().Name, ex.Message);
            var parts = new List<WriteResult>();
            var poison = new List<(IncomingMessage, string)>();
            var half = clean.Count / 2;
            await BisectAsync(clean, sources, 0, half, parts, poison, cancellationToken);
            await BisectAsync(clean, sources, half, clean.Count - half, parts, poison, cancellationToken);
            if (poison.Count > 0)
            {
                await deadLetters.SendAsync(poison, cancellationToken);
                LogPoison(poison.Count, poison[0].Item1.Partition, poison[0].Item1.Offset, poison[0].Item2);
            }

            // The halves carry no markers: a marker says every state before it is in the warehouse, so the
            // batch's markers are written only once all its states are written or dead-lettered.
            parts.Add(await WriteWithConflictRetryAsync([], clocks, cancellationToken));
            return (Sum(parts), poison.Count);
        }
    }

    private async Task BisectAsync(List<CleanState> clean, List<IncomingMessage> sources, int start, int count, List<WriteResult> parts, List<(IncomingMessage, string)> poison, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        try
        {
            parts.Add(await WriteWithConflictRetryAsync(clean.GetRange(start, count), PartitionClocks.None, cancellationToken));
        }
        catch (Exception ex) when (IsPoisonCandidate(ex, cancellationToken))
        {
            if (count == 1)
            {
                poison.Add((sources[start], $"cannot be written: {ex.GetType().Name}: {ex.Message}"));
                return;
            }

            var half = count / 2;
            await BisectAsync(clean, sources, start, half, parts, poison, cancellationToken);
            await BisectAsync(clean, sources, start + half, count - half, parts, poison, cancellationToken);
        }
    }

    private static bool IsPoisonCandidate(Exception exception, CancellationToken cancellationToken) =>
        !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested) && !TransientFailures.IsTransient(exception);

    private static WriteResult Sum(List<WriteResult> parts)
    {
        if (parts.Count == 0)
        {
            return new WriteResult(0, 0, 0, 0, 0, 0, 0, null);
        }

        return new WriteResult(
            parts.Sum(p => p.Aircraft), parts.Sum(p => p.StatesApplied), parts.Sum(p => p.StatesIgnored), parts.Sum(p => p.SessionsOpened),
            parts.Sum(p => p.EndedSignalLost), parts.Sum(p => p.EndedLanded), parts.Sum(p => p.PointsAppended), parts.Max(p => p.PipelineClock))
        {
            ImplausiblePositions = SumCounts(parts.Select(p => p.ImplausiblePositions)),
            EmergenciesStarted = SumCounts(parts.Select(p => p.EmergenciesStarted)),
        };
    }

    private static Dictionary<TKey, int> SumCounts<TKey>(IEnumerable<IReadOnlyDictionary<TKey, int>> counts)
        where TKey : notnull
    {
        var sum = new Dictionary<TKey, int>();
        foreach (var (key, count) in counts.SelectMany(c => c))
        {
            sum[key] = sum.GetValueOrDefault(key) + count;
        }

        return sum;
    }

    // Two batches that both open a session for the same new aircraft (possible only around a rebalance) or a
    // deadlock detected by the server: the loser's transaction rolled back as a whole, so it can simply run again
    // at once; a conflict that persists propagates as transient and the host retries with backoff.
    private async Task<WriteResult> WriteWithConflictRetryAsync(List<CleanState> clean, PartitionClocks clocks, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await writer.WriteAsync(clean, clocks, cancellationToken);
            }
            catch (PostgresException ex) when (attempt < MaxConflictRetries && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                LogConflictRetry(ex.SqlState, attempt);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} states could not be written ({ErrorType}: {Error}); writing it in parts to isolate the state(s) responsible")]
    private partial void LogIsolating(int count, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} states cannot be written however often they are tried and went to the dead-letter topic (first: partition {Partition} offset {Offset}: {Error})")]
    private partial void LogPoison(int count, int partition, long offset, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch: {Messages} messages, {Applied} states applied, {Ignored} already known, {Rejected} rejected, {DeadLettered} dead-lettered; sessions opened {Opened}, ended signal_lost {SignalLost}, landed {Landed}; pipeline clock {PipelineClock:u}")]
    private partial void LogBatch(int messages, int applied, int ignored, int rejected, int deadLettered, int opened, int signalLost, int landed, DateTimeOffset? pipelineClock);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} messages were not valid state documents and went to the dead-letter topic (first: partition {Partition} offset {Offset}: {Error})")]
    private partial void LogDeadLettered(int count, int partition, long offset, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} states rejected ({Reasons}); e.g. {Icao24}: {Reason}")]
    private partial void LogRejected(int count, string reasons, string icao24, RejectReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot marker at partition {Partition} offset {Offset} ignored: its time {SnapshotTime} is not a plausible snapshot time")]
    private partial void LogMarkerIgnored(int partition, long offset, long snapshotTime);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write conflict ({SqlState}) on attempt {Attempt}; retrying the batch")]
    private partial void LogConflictRetry(string sqlState, int attempt);
}
