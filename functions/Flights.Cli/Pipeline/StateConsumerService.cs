using System.Collections.Concurrent;
using Confluent.Kafka;
using Flights.Core.Kafka;
using Flights.Core.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Cli.Pipeline;

/// <summary>
/// The local host's Kafka consumer: the same job as the Kafka-triggered function. It takes batches from
/// flight_raw_data in the processor's consumer group, hands each to the same StateBatchProcessor, and
/// stores offsets only after the batch is committed in PostgreSQL (at-least-once). A failing batch is
/// retried with backoff until it succeeds or the host stops; it is never skipped.
/// </summary>
public sealed partial class StateConsumerService(StateBatchProcessor processor, IOptions<KafkaOptions> options, IConfiguration configuration, ILogger<StateConsumerService> logger) : BackgroundService
{
    private const int MaxBatchSize = 5000;
    private static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<int, long> processedUpTo = new();
    private IConsumer<byte[], byte[]>? consumer;

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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var config = new ConsumerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            GroupId = settings.ConsumerGroup,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false, // offsets are stored only after the batch is in PostgreSQL
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            ClientId = "flights-local-consumer",
        };
        configuration.GetSection("Kafka:Consumer").Bind(config);
        using var kafka = new ConsumerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(error.Code, error.Reason))
            .SetLogHandler((_, _) => { })
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
        kafka.Subscribe(settings.Topic);
        var batch = new List<ConsumeResult<byte[], byte[]>>(MaxBatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                batch.Clear();
                var first = kafka.Consume(TimeSpan.FromMilliseconds(500));
                if (first is null)
                {
                    continue;
                }

                batch.Add(first);
                var deadline = DateTime.UtcNow + BatchWait;
                while (batch.Count < MaxBatchSize && kafka.Consume(TimeSpan.Zero) is { } next)
                {
                    batch.Add(next);
                    if (DateTime.UtcNow > deadline)
                    {
                        break;
                    }
                }

                await ProcessWithRetryAsync(batch, stoppingToken);
                foreach (var last in batch.GroupBy(r => r.TopicPartition).Select(g => g.MaxBy(r => r.Offset.Value)!))
                {
                    kafka.StoreOffset(last);
                    processedUpTo[last.Partition.Value] = last.Offset.Value + 1;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the in-flight batch rolled back and its offsets were not stored; it is read again next start.
        }
        finally
        {
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
        }
    }

    private async Task ProcessWithRetryAsync(List<ConsumeResult<byte[], byte[]>> batch, CancellationToken stoppingToken)
    {
        var messages = batch.Select(r => new IncomingMessage(r.Topic, r.Partition.Value, r.Offset.Value, r.Message.Key, r.Message.Value)).ToArray();
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await processor.ProcessAsync(messages, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Most likely PostgreSQL is down or restarting: keep the batch, wait, try again; never skip data.
                LogBatchFailed(messages.Length, ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} messages could not be written ({Error}); retrying in {Delay}")]
    private partial void LogBatchFailed(int count, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka consumer: {Code} {Reason}")]
    private partial void LogKafkaError(ErrorCode code, string reason);
}
