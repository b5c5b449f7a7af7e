using Confluent.Kafka;
using Flights.Core.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Flights.Core.Monitoring;

/// <summary>
/// Reads the processor's consumer lag: for each partition of the state topic, the high watermark minus the
/// offset the consumer group <see cref="KafkaOptions.ConsumerGroup"/> committed. It never joins the group
/// (no subscribe), so asking does not trigger a rebalance of the real consumers.
/// </summary>
public sealed class ConsumerLagProbe(IOptions<KafkaOptions> kafkaOptions, IOptions<HealthOptions> healthOptions, IConfiguration configuration)
{
    /// <summary>Asks Kafka; an unreachable cluster gives a report with <c>State = "unreachable"</c> and the error.</summary>
    public Task<KafkaReport> ReadAsync(CancellationToken cancellationToken) =>
        // librdkafka's metadata and offset calls block; keep them off the caller's thread.
        Task.Run(() => Read(cancellationToken), cancellationToken);

    private KafkaReport Read(CancellationToken cancellationToken)
    {
        var kafka = kafkaOptions.Value;
        var timeout = healthOptions.Value.KafkaTimeout;
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            return new KafkaReport("not_configured", kafka.Topic, kafka.ConsumerGroup, [], "Kafka__BootstrapServers is not set");
        }

        // The same client settings (security, SASL) as the processor's consumer, from the one config factory.
        var client = KafkaClientConfigs.Admin(kafka, configuration, "flights-health");
        client.SocketTimeoutMs = (int)timeout.TotalMilliseconds;
        var consumerConfig = KafkaClientConfigs.OffsetReader(kafka, configuration, kafka.ConsumerGroup, "flights-health");
        consumerConfig.SocketTimeoutMs = client.SocketTimeoutMs;

        try
        {
            using var admin = new AdminClientBuilder(client).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
            var topic = admin.GetMetadata(kafka.Topic, timeout).Topics.SingleOrDefault(t => t.Topic == kafka.Topic);
            if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
            {
                var why = topic is null || topic.Partitions.Count == 0 ? "no partitions" : topic.Error.Reason;
                return new KafkaReport("unreachable", kafka.Topic, kafka.ConsumerGroup, [], $"topic {kafka.Topic}: {why}");
            }

            cancellationToken.ThrowIfCancellationRequested();
            var partitions = topic.Partitions.Select(p => new TopicPartition(kafka.Topic, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(consumerConfig).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
            var committed = consumer.Committed(partitions, timeout).ToDictionary(c => c.Partition.Value, c => c.Offset);
            var lags = new List<PartitionLag>(partitions.Count);
            foreach (var partition in partitions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var watermarks = consumer.QueryWatermarkOffsets(partition, timeout);
                var low = watermarks.Low.Value;
                var high = watermarks.High.Value;
                long? done = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset ? offset.Value : null;
                // Without a commit the group starts at the oldest retained message: all of it is unprocessed.
                var lag = Math.Max(0, high - Math.Max(done ?? low, low));
                lags.Add(new PartitionLag(partition.Partition.Value, done, low, high, lag));
            }

            return new KafkaReport("ok", kafka.Topic, kafka.ConsumerGroup, lags, null);
        }
        catch (KafkaException ex)
        {
            // Reporting the outage is this probe's whole job; the caller turns it into a health issue.
            return new KafkaReport("unreachable", kafka.Topic, kafka.ConsumerGroup, [], ex.Error.Reason);
        }
    }
}
