using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core.Processing;

/// <summary>What one batch did, for the log line, the metrics and the replay summary.</summary>
public sealed record BatchResult(int Messages, int DeadLettered, IReadOnlyDictionary<RejectReason, int> Rejected, WriteResult Write)
{
    /// <summary>Snapshot markers (and other control messages) in the batch: messages, but not states.</summary>
    public int ControlMessages { get; init; }

    /// <summary>All rejected states, whatever the reason.</summary>
    public int RejectedTotal => Rejected.Values.Sum();
}

/// <summary>
/// Processes one batch from <c>flight_raw_data</c>: decode, dead-letter what is not a state document,
/// clean, and apply the smart write in one transaction. The Kafka-triggered function and the local
/// consumer both call this. A database failure propagates so the batch is retried and no offset is
/// committed; retrying is safe because the write is idempotent.
/// </summary>
public sealed partial class StateBatchProcessor(SmartWriter writer, IDeadLetterSink deadLetters, IOptions<SessionOptions> options, PipelineMetrics metrics, ILogger<StateBatchProcessor> logger)
{
    private const int MaxConflictRetries = 3;

    /// <summary>Processes the messages; returns when the batch is committed.</summary>
    public async Task<BatchResult> ProcessAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var skew = options.Value.MaxClockSkew;
        var clean = new List<CleanState>(messages.Count);
        var dead = new List<(IncomingMessage, string)>();
        var rejected = new Dictionary<RejectReason, int>();
        (string Icao24, RejectReason Reason)? example = null;
        var clocks = new PartitionClocks();
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
                if (kind == MessageKind.Marker && !clocks.Add(message.Partition, marker))
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

            if (StateCleaner.TryClean(envelope, skew, out var state) is { } reason)
            {
                rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
                example ??= (envelope.State.Icao24, reason);
                continue;
            }

            clean.Add(state);
        }

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

        var write = await WriteWithConflictRetryAsync(clean, clocks, cancellationToken);
        var result = new BatchResult(messages.Count, dead.Count, rejected, write) { ControlMessages = control };
        metrics.Record(result);
        LogBatch(messages.Count, write.StatesApplied, write.StatesIgnored, result.RejectedTotal, dead.Count, write.SessionsOpened, write.EndedSignalLost, write.EndedLanded, write.PipelineClock);
        return result;
    }

    // Two batches that both open a session for the same new aircraft (possible only around a rebalance) or a
    // deadlock detected by the server: the loser's transaction rolled back as a whole, so it can simply run again.
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
