using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Core.Kafka;

/// <summary>
/// The process's one Kafka producer (idempotent, compressed), shared by the state publisher and the
/// dead-letter sink. Settings come from <c>Kafka:Producer:*</c> (librdkafka names via Confluent's
/// <see cref="ProducerConfig"/>) on top of the defaults here. Flushed and disposed on shutdown.
/// </summary>
public sealed partial class KafkaProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;
    private readonly ILogger<KafkaProducer> logger;
    private IAdminClient? admin;

    /// <summary>Creates the producer for the configured brokers.</summary>
    public KafkaProducer(IOptions<KafkaOptions> options, IConfiguration configuration, ILogger<KafkaProducer> logger)
    {
        this.logger = logger;
        var config = new ProducerConfig
        {
            BootstrapServers = options.Value.BootstrapServers,
            EnableIdempotence = true, // retries inside librdkafka never duplicate or reorder an aircraft's states
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
            BatchNumMessages = 10_000,
            MessageTimeoutMs = (int)options.Value.PublishTimeout.TotalMilliseconds,
            ClientId = "flights",
        };
        configuration.GetSection("Kafka:Producer").Bind(config);
        if (string.IsNullOrWhiteSpace(config.BootstrapServers))
        {
            throw new InvalidOperationException("Kafka__BootstrapServers is not set: the producer has no brokers to talk to.");
        }

        producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                // librdkafka recovers from most errors itself (brokers down, reconnects); only fatal ones end the producer.
                if (error.IsFatal)
                {
                    LogFatal(error.Code, error.Reason);
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
    /// Queues one message. When the local queue is full it serves delivery reports and tries again
    /// until <paramref name="cancellationToken"/> fires; returns false with the reason if it could not queue.
    /// </summary>
    public bool TryProduce(string topic, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken, out string? error)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, onDelivery);
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
    /// Queues one message for one given partition (the snapshot markers, which have no key to hash), with the
    /// same waiting on a full local queue as <see cref="TryProduce"/>.
    /// </summary>
    public bool TryProduceToPartition(TopicPartition partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken, out string? error)
    {
        while (true)
        {
            try
            {
                producer.Produce(partition, message, onDelivery);
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
    /// The topic's partition count from the cluster's metadata, through this producer's own connections
    /// (Confluent's dependent admin client): the snapshot markers go to every partition.
    /// </summary>
    public int PartitionCount(string topic, TimeSpan timeout)
    {
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

        return found.Partitions.Count;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka producer failed fatally ({Code}): {Reason}")]
    private partial void LogFatal(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka producer: {Code} {Reason} (librdkafka retries by itself)")]
    private partial void LogTransient(ErrorCode code, string reason);
}
