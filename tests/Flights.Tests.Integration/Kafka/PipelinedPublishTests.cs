using System.Text;
using Confluent.Kafka;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flights.Tests.Integration.Kafka;

public sealed class PipelinedPublishTests
{
    [Fact]
    public async Task A_pipelined_publish_returns_every_snapshot_once_in_order_and_reports_the_one_whose_state_Kafka_refused()
    {
        var topic = TestKafka.CreateTopic("pipelined", partitions: 3);
        var options = Options.Create(new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = topic });
        // librdkafka's smallest message.max.bytes: a state with a 2,000-character country is larger, the others are not.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kafka:Producer:MessageMaxBytes"] = "1000" }).Build();
        using var producer = new KafkaProducer(options, configuration, NullLogger<KafkaProducer>.Instance);
        var pipeline = new StatePublisher(producer, options, NullLogger<StatePublisher>.Instance).Pipeline(maxInFlight: 2);
        var snapshots = Enumerable.Range(0, 5).Select(i => new StatesSnapshot(States.BaseTime + i * 10,
        [
            States.Vector("a0000" + i, i),
            States.Vector("b0000" + i, i) with { OriginCountry = i == 2 ? new string('x', 2000) : "Germany" },
            States.Vector("c0000" + i, i),
        ])).ToList();

        var finished = new List<(StatesSnapshot Snapshot, PublishResult Result)>();
        foreach (var snapshot in snapshots)
        {
            finished.AddRange(await pipeline.SendAsync(snapshot, CancellationToken.None));
            Assert.True(pipeline.InFlight <= 2);
        }

        finished.AddRange(await pipeline.CompleteAsync(CancellationToken.None));

        Assert.Equal(0, pipeline.InFlight);
        Assert.Equal(snapshots.Select(s => s.Time), finished.Select(f => f.Snapshot.Time));
        Assert.All(finished.Where(f => f.Snapshot.Time != snapshots[2].Time), f => Assert.Equal(new PublishResult(3, 0, null), f.Result));
        var failed = finished.Single(f => f.Snapshot.Time == snapshots[2].Time).Result;
        Assert.False(failed.AllDelivered);
        Assert.Equal(2, failed.Delivered);
        Assert.Equal(1, failed.Failed);
        Assert.Contains("too large", failed.FirstError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Keys_are_partitioned_as_librdkafkas_default_partitioner_does_so_aircraft_stay_on_their_partitions()
    {
        var topic = TestKafka.CreateTopic("partitioner", partitions: 7);
        using var plain = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers }).Build();
        var keys = Enumerable.Range(0, 300).Select(i => $"{i * 7919:x6}").ToList();

        foreach (var key in keys)
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            var report = await plain.ProduceAsync(topic, new Message<byte[], byte[]> { Key = bytes, Value = [1] });
            Assert.Equal(report.Partition.Value, KeyPartitioner.PartitionOf(bytes, 7));
        }
    }
}
