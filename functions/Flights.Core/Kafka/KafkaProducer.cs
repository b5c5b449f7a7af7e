using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Core.Kafka;

/// <summary>
/// The process's one Kafka producer (idempotent, compressed), shared by the state publisher and the
/// dead-letter sink. Settings come from <see cref="KafkaClientConfigs"/> (<c>Kafka:Client:*</c> and
/// <c>Kafka:Producer:*</c>, librdkafka names via Confluent's <see cref="ProducerConfig"/>). A fatal error
/// (the producer cannot go on) is logged and reported to the host. Flushed and disposed on shutdown.
/// </summary>
public sealed partial class KafkaProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;
    private readonly ILogger<KafkaProducer> logger;
    private IAdminClient? admin;
    private Backlog? backlog;
    private readonly ConcurrentDictionary<string, CachedCount> partitionCounts = new();

    /// <summary>Creates the producer for the configured brokers (settings from <see cref="KafkaClientConfigs.Producer"/>).</summary>
    public KafkaProducer(IOptions<KafkaOptions> options, IConfiguration configuration, ILogger<KafkaProducer> logger, IKafkaFatalErrorSink? fatalErrors = null)
    {
        this.logger = logger;
        var config = KafkaClientConfigs.Producer(options.Value, configuration);
        producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                // librdkafka recovers from most errors itself (brokers down, reconnects); only fatal ones end the producer.
                if (error.IsFatal)
                {
                    LogFatal(error.Code, error.Reason);
                    fatalErrors?.Report("Kafka producer", error);
                }
                else
                {
                    LogTransient(error.Code, error.Reason);
                }
            })
            .SetLogHandler((_, _) => { })
            .Build();
    }

    /// <summary>
    /// Holds producers to a partition of <paramref name="topic"/> back while more than <paramref name="maxPerPartition"/>
    /// of the messages queued to that partition are not yet processed (<paramref name="processedInPartition"/> counts
    /// them; the topic must have been empty, so that a partition's count of queued messages is its end offset). For a
    /// process that consumes its own topic from a broker that keeps little per partition, as the embedded Kafka does:
    /// without it a fast publisher outruns the consumer and the broker trims messages nobody has read. Counted per
    /// partition because that is what the broker keeps: a total bound had to assume every message in one partition.
    /// Applies to messages addressed to a partition (<see cref="TryProduceToPartition"/>), as the publisher's are.
    /// </summary>
    public void LimitBacklog(string topic, Func<int, long> processedInPartition, long maxPerPartition)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerPartition, 1);
        backlog = new Backlog(topic, processedInPartition, maxPerPartition);
    }

    /// <summary>
    /// Queues one message. When the local queue is full it serves delivery reports and tries again
    /// until <paramref name="cancellationToken"/> fires; returns false with the reason if it could not queue.
    /// </summary>
    public bool TryProduce(string topic, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken, out string? error) =>
        TryQueue(topic, null, () => producer.Produce(topic, message, onDelivery), cancellationToken, out error);

    /// <summary>
    /// Queues one message for one given partition (the snapshot markers, which have no key to hash), with the
    /// same waiting on a full local queue, and the same backlog limit, as <see cref="TryProduce"/>.
    /// </summary>
    public bool TryProduceToPartition(TopicPartition partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken, out string? error) =>
        TryQueue(partition.Topic, partition.Partition.Value, () => producer.Produce(partition, message, onDelivery), cancellationToken, out error);

    private bool TryQueue(string topic, int? partition, Action produce, CancellationToken cancellationToken, out string? error)
    {
        var limited = backlog is { } limit && limit.Topic == topic && partition is not null ? limit : null;
        if (limited is not null)
        {
            // Serve delivery reports while waiting, so the wait never holds the producer's own queue up.
            while (limited.Queued(partition!.Value) - limited.Processed(partition.Value) >= limited.Max && !cancellationToken.IsCancellationRequested)
            {
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }
        }

        while (true)
        {
            try
            {
                produce();
                limited?.Count(partition!.Value);

                error = null;
                return true;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull && !cancellationToken.IsCancellationRequested)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                error = ex.Error.Reason;
                return false;
            }
        }
    }

    /// <summary>
    /// How long a partition count read from the cluster stays in use. Kafka's partitions only grow, so a cached
    /// count is never larger than the topic's: the cost of caching is only that a partition added meanwhile
    /// gets states and markers up to this much later (the publisher addresses both from the same count).
    /// </summary>
    public static readonly TimeSpan PartitionCountLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The topic's partition count from the cluster's metadata, through this producer's own connections
    /// (Confluent's dependent admin client), cached for <see cref="PartitionCountLifetime"/>: a metadata
    /// round trip for every snapshot cost a replay of small snapshots about as much as the states themselves.
    /// </summary>
    public int PartitionCount(string topic, TimeSpan timeout)
    {
        var now = Environment.TickCount64;
        if (partitionCounts.TryGetValue(topic, out var cached) && now - cached.ReadAt < (long)PartitionCountLifetime.TotalMilliseconds)
        {
            return cached.Count;
        }

        lock (producer)
        {
            admin ??= new DependentAdminClientBuilder(producer.Handle).Build();
        }

        var metadata = admin.GetMetadata(topic, timeout);
        var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.IsError || found.Partitions.Count == 0)
        {
            throw new KafkaException(found?.Error is { IsError: true } error ? error : new Error(ErrorCode.UnknownTopicOrPart, $"topic {topic} has no partitions in the cluster's metadata"));
        }

        // Never below a count already seen: a broker whose metadata lags must not shrink the set of partitions in use.
        var count = Math.Max(found.Partitions.Count, cached?.Count ?? 0);
        partitionCounts[topic] = new CachedCount(count, now);
        return count;
    }

    /// <summary>Waits until every queued message is delivered or failed, or the timeout passes.</summary>
    public void Flush(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Short slices so a stop request is noticed; MessageTimeoutMs bounds how long any message can stay queued.
        var deadline = DateTime.UtcNow + timeout;
        while (producer.Flush(TimeSpan.FromMilliseconds(200)) > 0 && !cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        admin?.Dispose();
        producer.Flush(TimeSpan.FromSeconds(10));
        producer.Dispose();
    }

    private sealed record CachedCount(int Count, long ReadAt);

    // Messages queued per partition of the limited topic, and the consumer's count of those processed.
    private sealed class Backlog(string topic, Func<int, long> processed, long max)
    {
        private readonly ConcurrentDictionary<int, long> queued = new();

        public string Topic => topic;

        public long Max => max;

        public long Queued(int partition) => queued.GetValueOrDefault(partition);

        public long Processed(int partition) => processed(partition);

        public void Count(int partition) => queued.AddOrUpdate(partition, 1, static (_, n) => n + 1);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka producer failed fatally ({Code}): {Reason}")]
    private partial void LogFatal(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka producer: {Code} {Reason} (librdkafka retries by itself)")]
    private partial void LogTransient(ErrorCode code, string reason);
}
