using Confluent.Kafka;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Kafka;

public sealed class EmbeddedKafkaTests
{
    [Fact]
    public void Ten_thousand_messages_go_through_a_consumer_group_with_committed_offsets()
    {
        const int Count = 10_000;
        var topic = TestKafka.CreateTopic("roundtrip", partitions: 4);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers, EnableIdempotence = true }).Build())
        {
            for (var i = 0; i < Count; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{i % 100}", Value = $"v{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var group = $"group-{Guid.NewGuid():N}";
        var seen = new HashSet<string>();
        var keyPartitions = new Dictionary<string, int>();
        using (var consumer = NewConsumer(group))
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (seen.Count < Count && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (result is null)
                {
                    continue;
                }

                seen.Add(result.Message.Value);
                Assert.Equal(keyPartitions.GetValueOrDefault(result.Message.Key, result.Partition.Value), result.Partition.Value);
                keyPartitions[result.Message.Key] = result.Partition.Value;
                consumer.StoreOffset(result);
            }

            consumer.Commit();
            var committed = consumer.Committed(TimeSpan.FromSeconds(10));
            long committedTotal = 0;
            foreach (var offset in committed)
            {
                var watermarks = consumer.QueryWatermarkOffsets(offset.TopicPartition, TimeSpan.FromSeconds(10));
                Assert.Equal(watermarks.High.Value, offset.Offset.Value);
                committedTotal += offset.Offset.Value;
            }

            Assert.Equal(Count, committedTotal);
            consumer.Close();
        }

        Assert.Equal(Count, seen.Count);

        // A new consumer of the same group starts at the committed offsets: the first message it sees is the
        // one produced after the commit, none of the 10,000 again.
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers }).Build())
        {
            producer.Produce(topic, new Message<string, string> { Key = "k1", Value = "after" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var again = NewConsumer(group);
        again.Subscribe(topic);
        ConsumeResult<string, string>? next = null;
        for (var attempt = 0; attempt < 120 && next is null; attempt++)
        {
            next = again.Consume(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal("after", next?.Message.Value);
        again.Close();
    }

    private static IConsumer<string, string> NewConsumer(string group) => new ConsumerBuilder<string, string>(new ConsumerConfig
    {
        BootstrapServers = TestKafka.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoOffsetStore = false,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000, // the mock cluster may not act on LeaveGroup; a short session lets the next member in quickly
    }).Build();
}
