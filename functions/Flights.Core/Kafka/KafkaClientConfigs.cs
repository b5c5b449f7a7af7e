using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Flights.Core.Kafka;

/// <summary>
/// The one place that builds librdkafka client configurations, as Confluent's examples do: a common
/// <see cref="ClientConfig"/> (brokers and security: <c>Kafka:Client:*</c>, e.g. <c>SecurityProtocol</c>,
/// <c>SaslMechanism</c>, <c>SaslUsername</c>) that every producer, consumer and admin client starts from,
/// then the role's defaults, then the role's own section (<c>Kafka:Producer:*</c>, <c>Kafka:Consumer:*</c>)
/// on top. So a secured cluster is configured once and no client can forget it.
/// </summary>
public static class KafkaClientConfigs
{
    /// <summary>Settings shared by every client (security above all).</summary>
    public const string ClientSection = "Kafka:Client";

    /// <summary>Producer-only settings.</summary>
    public const string ProducerSection = "Kafka:Producer";

    /// <summary>Consumer-only settings.</summary>
    public const string ConsumerSection = "Kafka:Consumer";

    /// <summary>The settings every client shares: brokers, client id and security.</summary>
    public static ClientConfig Common(KafkaOptions options, IConfiguration configuration, string clientId)
    {
        var client = new ClientConfig { BootstrapServers = options.BootstrapServers, ClientId = clientId };
        configuration.GetSection(ClientSection).Bind(client);
        if (string.IsNullOrWhiteSpace(client.BootstrapServers))
        {
            throw new InvalidOperationException("Kafka__BootstrapServers is not set: the Kafka client has no brokers to talk to.");
        }

        return client;
    }

    /// <summary>The process's producer: idempotent (no duplicates or reordering from librdkafka's own retries), all replicas acknowledge, compressed.</summary>
    public static ProducerConfig Producer(KafkaOptions options, IConfiguration configuration)
    {
        var config = new ProducerConfig(Common(options, configuration, "flights"))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
            BatchNumMessages = 10_000,
            MessageTimeoutMs = (int)options.PublishTimeout.TotalMilliseconds,
            // The delivery handlers read only the error: copying every key and value back out of librdkafka
            // for each report cost the publisher about as much as producing them.
            DeliveryReportFields = "status",
        };
        configuration.GetSection(ProducerSection).Bind(config);
        return config;
    }

    /// <summary>
    /// The processor's consumer: offsets are stored by the application only after a batch is in PostgreSQL
    /// and committed in the background; a new group starts at the oldest retained message.
    /// </summary>
    public static ConsumerConfig Consumer(KafkaOptions options, IConfiguration configuration, string clientId = "flights-local-consumer")
    {
        var config = new ConsumerConfig(Common(options, configuration, clientId))
        {
            GroupId = options.ConsumerGroup,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            // The processor reads topic, partition, offset, key and value; headers and timestamps are not copied.
            ConsumeResultFields = "topic",
        };
        configuration.GetSection(ConsumerSection).Bind(config);
        return config;
    }

    /// <summary>
    /// A consumer that only reads committed offsets and watermarks for <paramref name="groupId"/>: it never
    /// subscribes, so it never joins the group or triggers a rebalance, and it never commits.
    /// </summary>
    public static ConsumerConfig OffsetReader(KafkaOptions options, IConfiguration configuration, string groupId, string clientId)
    {
        var config = new ConsumerConfig(Common(options, configuration, clientId));
        configuration.GetSection(ConsumerSection).Bind(config);
        config.GroupId = groupId;
        config.EnableAutoCommit = false;
        config.ClientId = clientId;
        return config;
    }

    /// <summary>An admin client (metadata).</summary>
    public static AdminClientConfig Admin(KafkaOptions options, IConfiguration configuration, string clientId) =>
        new(Common(options, configuration, clientId));
}
