using System.Text;
using Confluent.Kafka;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Tests.Integration.Infrastructure;
using Flights.Tests.Integration.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Kafka;

/// <summary>Messages the broker deleted before they were processed are found, counted and reported, never skipped silently.</summary>
public sealed class LossTests
{
    [Fact]
    public async Task Messages_that_expired_below_the_committed_offset_are_reported_by_health_and_counted_by_the_consumer()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var topic = TestKafka.CreateTopic("expiring", partitions: 1);
        var dlq = TestKafka.CreateTopic("dlq", partitions: 1);
        var group = "group-" + Guid.NewGuid().ToString("N");
        using (var committer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build())
        {
            committer.Commit([new TopicPartitionOffset(topic, 0, 10)]);
        }

        // 12 MB of valid states: the mock cluster keeps ~5 MB per partition, so it trims far past offset 10,
        // as a real cluster's retention deletes what nobody processed in time.
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers, CompressionType = CompressionType.None, LingerMs = 0 }).Build())
        {
            for (var i = 0; i < 120; i++)
            {
                var message = Message(Vector($"e{i:x5}", 0));
                producer.Produce(topic, new Message<byte[], byte[]> { Key = message.Key!, Value = Padded(message.Value!) });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        long logStart;
        using (var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = group }).Build())
        {
            logStart = reader.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).Low.Value;
        }

        Assert.InRange(logStart, 11, 119);
        var kafka = new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = topic, ConsumerGroup = group };
        var before = await Health(db, kafka, new PipelineMetrics()).GetAsync(CancellationToken.None);
        var lostIssue = Assert.Single(before.Issues, i => i.Code == HealthIssueCodes.MessagesLost);
        Assert.Equal($"{logStart - 10} messages of {topic} expired before consumer group {group} processed them (partitions 0)", lostIssue.Message);
        Assert.Equal(HealthStatus.Degraded, before.Status);

        var consumer = await ConsumerHost.StartAsync(db, topic, dlq, group);
        await consumer.WaitUntilProcessedAsync(new Dictionary<int, long> { [0] = 120 });
        var metrics = consumer.Metrics;
        await consumer.DisposeAsync(); // a clean stop commits the group's offsets

        Assert.Equal(logStart - 10, metrics.Lost);
        Assert.Equal(120 - logStart, metrics.Written);
        var after = await Health(db, kafka, metrics).GetAsync(CancellationToken.None);
        Assert.Equal($"{logStart - 10} messages of {topic} were deleted by the broker before this process read them", Assert.Single(after.Issues, i => i.Code == HealthIssueCodes.MessagesLost).Message);
    }

    // A valid state document ~100 kB long: readers ignore unknown fields.
    private static byte[] Padded(byte[] value) =>
        [.. Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 100_000) + "\","), .. value.AsSpan(1)];

    private static PipelineHealthService Health(TestDatabase db, KafkaOptions kafka, PipelineMetrics metrics)
    {
        var health = Microsoft.Extensions.Options.Options.Create(new HealthOptions { KafkaTimeout = TimeSpan.FromSeconds(5) });
        var probe = new ConsumerLagProbe(Microsoft.Extensions.Options.Options.Create(kafka), health, new ConfigurationBuilder().Build());
        return new PipelineHealthService(db.DataSource, probe, health, new FakeTimeProvider(new DateTimeOffset(Time(1))), metrics);
    }
}
