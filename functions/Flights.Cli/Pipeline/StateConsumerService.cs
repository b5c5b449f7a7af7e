using System.Collections.Concurrent;
using Confluent.Kafka;
using Flights.Cli.Hosting;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Cli.Pipeline;

/// <summary>
/// The local host's Kafka consumer: the same job as the Kafka-triggered function. It takes batches from
/// flight_raw_data in the processor's consumer group, hands each to the same StateBatchProcessor, and
/// stores offsets only after the batch is committed in PostgreSQL (at-least-once). Only transient failures
/// (the database away, conflicts, Kafka away) are retried, with backoff; the processor dead-letters what
/// can never be written. A gap in a partition's offsets (the broker deleted messages before they were
/// read) is logged as an error with the number lost and counted. A fatal Kafka error, or a failure that
/// is not transient, stops the host with one line. On stop the batch in flight finishes (or rolls back
/// when the grace period runs out) and the stored offsets are committed.
/// </summary>
public sealed partial class StateConsumerService(StateBatchProcessor processor, IOptions<KafkaOptions> options, IConfiguration configuration, PipelineMetrics metrics, HostFailure hostFailure, IOptions<HostOptions> hostOptions, ILogger<StateConsumerService> logger) : BackgroundService
{
    // On a backlog (a replay, a restart after an outage) a batch's fixed costs are paid per aircraft, not per state:
    // a batch of 15,000 messages carries each aircraft of a 1,000-aircraft snapshot 15 times (1M-state replay:
    // 55,100 states/s against 47,600 with 5,000). Live traffic fills a batch only up to what one wait brings.
    private const int MaxBatchSize = 15_000;
    private static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DrainSlice = TimeSpan.FromMilliseconds(20);
    private readonly ConcurrentDictionary<int, long> processedUpTo = new();
    private readonly ConcurrentDictionary<int, long> expectedNext = new();
    private IConsumer<byte[], byte[]>? consumer;
    private long messagesProcessed;
    private volatile bool failedFatally;
    private volatile IReadOnlyDictionary<int, long>? drainTo;
    private TaskCompletionSource batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The topic was created empty by this process (the embedded Kafka): a partition the group never committed
    /// on must then start at offset 0, and a later first offset means messages were deleted before they were read.
    /// </summary>
    public bool TopicCreatedEmpty { get; set; }

    /// <summary>
    /// Read every partition of the topic by direct assignment, without joining the consumer group (no join,
    /// no rebalance; offsets are still committed for the group). Only for a topic no other member reads: the
    /// embedded Kafka of a replay, whose topic this process created.
    /// </summary>
    public bool AssignAllPartitions { get; set; }

    /// <summary>Messages this consumer has processed (written, rejected or dead-lettered) since it started.</summary>
    public long MessagesProcessed => Interlocked.Read(ref messagesProcessed);

    /// <summary>Per partition, the offset after the last message written.</summary>
    public IReadOnlyDictionary<int, long> ProcessedUpTo => processedUpTo;

    /// <summary>Messages in the topic not yet processed by this consumer (from the cached watermarks; no broker call).</summary>
    public long? Lag
    {
        get
        {
            var c = consumer;
            if (c is null)
            {
                return null;
            }

            long lag = 0;
            foreach (var partition in c.Assignment)
            {
                var high = c.GetWatermarkOffsets(partition).High;
                if (high == Offset.Unset)
                {
                    continue;
                }

                var done = processedUpTo.GetValueOrDefault(partition.Partition.Value, 0);
                lag += Math.Max(0, high.Value - done);
            }

            return lag;
        }
    }

    /// <summary>True when, for every partition in <paramref name="endOffsets"/>, the messages before that offset are written.</summary>
    public bool HasProcessed(IReadOnlyDictionary<int, long> endOffsets) =>
        endOffsets.All(e => e.Value == 0 || processedUpTo.GetValueOrDefault(e.Key, -1) >= e.Value);

    /// <summary>Completes when the next batch has been processed (or the consumer stops); take it before checking <see cref="HasProcessed"/>.</summary>
    public Task NextBatchProcessed => Volatile.Read(ref batchDone).Task;

    /// <summary>
    /// Says that nothing will be published to the topic beyond <paramref name="endOffsets"/> (a replay whose
    /// publisher is done): a batch that reaches them ends at once instead of waiting for more messages.
    /// </summary>
    public void DrainTo(IReadOnlyDictionary<int, long> endOffsets) => drainTo = endOffsets;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var config = KafkaClientConfigs.Consumer(settings, configuration);
        using var kafka = new ConsumerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal)
                {
                    LogKafkaFatal(error.Code, error.Reason);
                    failedFatally = true;
                    hostFailure.Report("Kafka consumer", error);
                }
                else
                {
                    // librdkafka retries these itself (a broker restarting, a connection dropped).
                    LogKafkaError(error.Code, error.Reason);
                }
            })
            .SetLogHandler((_, _) => { })
            .SetPartitionsAssignedHandler((c, assigned) =>
            {
                // Where this member resumes is read from the committed offset when its first message arrives.
                foreach (var partition in assigned)
                {
                    expectedNext.TryRemove(partition.Partition.Value, out _);
                }
            })
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                // Commit what is stored before another member takes the partitions over, to keep duplicates few.
                try
                {
                    c.Commit();
                }
                catch (KafkaException)
                {
                    // Nothing stored yet or the group is already rebalancing: the next member re-reads (at-least-once).
                }
            })
            .Build();
        consumer = kafka;
        if (AssignAllPartitions)
        {
            kafka.Assign(AllPartitions(kafka, settings.Topic));
        }
        else
        {
            kafka.Subscribe(settings.Topic);
        }

        // The batch in flight may finish after a stop request, within most of the grace period; then it rolls back.
        using var batchCancellation = new CancellationTokenSource();
        var batchGrace = hostOptions.Value.ShutdownTimeout * 0.8;
        using var onStop = stoppingToken.Register(() => batchCancellation.CancelAfter(batchGrace));
        // At most two batches: one being written while the next is read and decoded, which took about a third of
        // a batch's time before the write. Writes stay one at a time, in order, each committed before the next.
        InFlight? writing = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested && !failedFatally)
            {
                if (writing is null && drainTo is { } end && HasProcessed(end))
                {
                    // Drained (a replay): nothing more will arrive, so wait for the stop instead of a poll to time out.
                    await WaitForStopAsync(stoppingToken);
                    break;
                }

                // Short enough that a stop request is seen within a tenth of a second; shorter while a batch is
                // written, so that its offsets are stored as soon as it is committed.
                var first = TryConsume(kafka, writing is null ? IdlePoll : DrainSlice);
                if (writing is { Write.IsCompleted: true })
                {
                    await FinishAsync(kafka, writing);
                    writing = null;
                }

                if (first is null)
                {
                    continue;
                }

                var batch = new List<ConsumeResult<byte[], byte[]>>(MaxBatchSize) { first };
                // Fill the batch for up to BatchWait (longer while the previous batch is still being written), then
                // take only what is already fetched: a batch ended at the first empty poll was often a few hundred
                // messages while the publisher was still sending, and every batch costs the writer a transaction
                // and its fixed statements. A drained topic (DrainTo) ends the batch as soon as it holds the last
                // message: the wait is taken in short slices so that a DrainTo arriving meanwhile is seen.
                var deadline = DateTime.UtcNow + BatchWait;
                while (batch.Count < MaxBatchSize && !failedFatally && !ReachedDrainEnd(batch))
                {
                    var left = deadline - DateTime.UtcNow;
                    var waiting = left > TimeSpan.Zero || writing is { Write.IsCompleted: false };
                    if (TryConsume(kafka, !waiting ? TimeSpan.Zero : left > TimeSpan.Zero && left < DrainSlice ? left : DrainSlice) is not { } next)
                    {
                        if (!waiting)
                        {
                            break;
                        }

                        continue;
                    }

                    batch.Add(next);
                }

                CheckForGaps(kafka, batch);
                var prepared = processor.Prepare(batch.Select(r => new IncomingMessage(r.Topic, r.Partition.Value, r.Offset.Value, r.Message.Key, r.Message.Value)).ToArray());
                if (writing is not null)
                {
                    await FinishAsync(kafka, writing);
                }

                writing = new InFlight(batch, ProcessWithRetryAsync(prepared, stoppingToken, batchCancellation.Token));
            }

            // Stopping (or a fatal Kafka error): the batch in flight finishes, or rolls back when the grace period runs out.
            if (writing is not null)
            {
                var last = writing;
                writing = null;
                await FinishAsync(kafka, last);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the in-flight batch rolled back and its offsets were not stored; it is read again next start.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not transient and not a property of one message: retrying would block the partition for good, and
            // skipping would lose data. Stop with one line; nothing of the batch is committed.
            LogStopped(ex.GetType().Name, ex.Message);
            hostFailure.Fail($"The consumer stopped: a batch could not be processed ({ex.GetType().Name}: {ex.Message}); nothing of it was committed, it is read again on the next start.", ExitCodes.Failure);
        }
        finally
        {
            if (writing is not null)
            {
                // The loop failed while a batch was being written: let it end before the consumer closes; its
                // offsets are not stored, so it is read again on the next start.
                await ObserveAsync(writing.Write);
            }

            try
            {
                kafka.Commit();
            }
            catch (KafkaException)
            {
                // Nothing stored to commit.
            }

            kafka.Close();
            consumer = null;
            batchDone.TrySetResult();
        }
    }

    // A batch being written, and the messages whose offsets are stored once it is committed.
    private sealed record InFlight(List<ConsumeResult<byte[], byte[]>> Batch, Task Write);

    // Waits for the batch's write, then stores its offsets and counts it processed (in that order: the offsets
    // of a batch are stored only after it is committed in PostgreSQL).
    private async Task FinishAsync(IConsumer<byte[], byte[]> kafka, InFlight inFlight)
    {
        await inFlight.Write;
        foreach (var last in inFlight.Batch.GroupBy(r => r.TopicPartition).Select(g => g.MaxBy(r => r.Offset.Value)!))
        {
            if (TryStoreOffset(kafka, last))
            {
                processedUpTo[last.Partition.Value] = last.Offset.Value + 1;
            }
        }

        Interlocked.Add(ref messagesProcessed, inFlight.Batch.Count);
        Interlocked.Exchange(ref batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private static async Task WaitForStopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // The stop asked for.
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Observed only: the loop's own failure is the one reported.
        }
    }

    // True once the batch reaches every end offset given to DrainTo: each partition is processed up to its end
    // or its last message is in the batch. Checked only when the batch's newest message is the last of its
    // partition, so it costs nothing per message; offsets within a partition arrive in order.
    private bool ReachedDrainEnd(List<ConsumeResult<byte[], byte[]>> batch)
    {
        var newest = batch[^1];
        if (drainTo is not { } end || end.GetValueOrDefault(newest.Partition.Value, -1) != newest.Offset.Value + 1)
        {
            return false;
        }

        return end.All(e => e.Value == 0
            || processedUpTo.GetValueOrDefault(e.Key, -1) >= e.Value
            || batch.Exists(r => r.Partition.Value == e.Key && r.Offset.Value + 1 >= e.Value));
    }

    // A rebalance served by one of the Consume calls that filled the batch can revoke a partition whose messages
    // are already in it: the batch is written (idempotently), but the offset can no longer be stored (Local_State).
    // The partition's new owner reads those messages again from the last commit, which is at-least-once as designed.
    private bool TryStoreOffset(IConsumer<byte[], byte[]> kafka, ConsumeResult<byte[], byte[]> last)
    {
        try
        {
            kafka.StoreOffset(last);
            return true;
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
        {
            LogRevokedBeforeStore(last.Topic, last.Partition.Value, last.Offset.Value);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Topic} partition {Partition} was revoked while offset {Offset} was being written; its new owner reads it again")]
    private partial void LogRevokedBeforeStore(string topic, int partition, long offset);

    // Unset offsets: each partition starts at the group's committed offset, else at auto.offset.reset (earliest).
    private static List<TopicPartition> AllPartitions(IConsumer<byte[], byte[]> kafka, string topic)
    {
        using var admin = new DependentAdminClientBuilder(kafka.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
        return metadata.Topics.Single(t => t.Topic == topic).Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }

    // Confluent's examples: a ConsumeException is informational unless its error is fatal.
    private ConsumeResult<byte[], byte[]>? TryConsume(IConsumer<byte[], byte[]> kafka, TimeSpan timeout)
    {
        try
        {
            return kafka.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            LogConsumeError(ex.Error.Code, ex.Error.Reason, ex.ConsumerRecord?.Partition.Value ?? -1, ex.ConsumerRecord?.Offset.Value ?? -1);
            return null;
        }
        catch (ConsumeException ex)
        {
            LogKafkaFatal(ex.Error.Code, ex.Error.Reason);
            failedFatally = true;
            hostFailure.Report("Kafka consumer", ex.Error);
            return null;
        }
    }

    // Offsets of the state topic are contiguous (no compaction, no transactions), so a jump means the
    // broker deleted messages (retention) before this consumer read them and auto.offset.reset moved on.
    private void CheckForGaps(IConsumer<byte[], byte[]> kafka, List<ConsumeResult<byte[], byte[]>> batch)
    {
        foreach (var result in batch)
        {
            var partition = result.Partition.Value;
            var offset = result.Offset.Value;
            if (!expectedNext.TryGetValue(partition, out var expected))
            {
                expected = CommittedOffset(kafka, result.TopicPartition) ?? (TopicCreatedEmpty ? 0 : offset);
            }

            if (offset > expected)
            {
                metrics.RecordLost(offset - expected);
                LogLost(offset - expected, result.Topic, partition, expected, offset - 1);
            }

            expectedNext[partition] = Math.Max(expected, offset + 1);
        }
    }

    private static long? CommittedOffset(IConsumer<byte[], byte[]> kafka, TopicPartition partition)
    {
        try
        {
            var committed = kafka.Committed([partition], TimeSpan.FromSeconds(10)).SingleOrDefault();
            return committed is not null && committed.Offset.Value >= 0 ? committed.Offset.Value : null;
        }
        catch (KafkaException)
        {
            // Not knowable now; gaps from here on are still seen.
            return null;
        }
    }

    private async Task ProcessWithRetryAsync(PreparedBatch messages, CancellationToken stoppingToken, CancellationToken batchToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await processor.WriteAsync(messages, batchToken);
                return;
            }
            catch (Exception ex) when (TransientFailures.IsTransient(ex) && !batchToken.IsCancellationRequested)
            {
                // PostgreSQL down or restarting, a conflict, Kafka away: keep the batch, wait, try again; never skip data.
                LogBatchFailed(messages.Messages, ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
            catch (OperationCanceledException) when (batchToken.IsCancellationRequested)
            {
                // The grace period ran out: the transaction rolled back, no offset is stored.
                throw new OperationCanceledException(stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} messages could not be written ({Error}); retrying in {Delay}")]
    private partial void LogBatchFailed(int count, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer: {Code} {Reason} (librdkafka retries by itself)")]
    private partial void LogKafkaError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka consumer failed fatally ({Code}): {Reason}")]
    private partial void LogKafkaFatal(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason} (partition {Partition} offset {Offset}); consumption goes on")]
    private partial void LogConsumeError(ErrorCode code, string reason, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} messages of {Topic} partition {Partition} were lost: the broker deleted offsets {From} to {To} (retention) before they were processed")]
    private partial void LogLost(long count, string topic, int partition, long from, long to);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The consumer stopped: {ErrorType}: {Error}")]
    private partial void LogStopped(string errorType, string error);
}
