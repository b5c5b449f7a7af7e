using System.IO.Compression;
using System.Text;
using Confluent.Kafka;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flights.Tests.Integration.Kafka;

public sealed class StatePublisherTests
{
    [Fact]
    public async Task A_global_snapshot_is_published_one_message_per_state_keyed_by_icao24_then_a_marker_per_partition_and_reads_back_intact()
    {
        var snapshot = LoadGlobalSnapshot();
        var topic = TestKafka.CreateTopic("states", partitions: 6);
        var options = Options.Create(new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = topic });
        using var producer = new KafkaProducer(options, new ConfigurationBuilder().Build(), NullLogger<KafkaProducer>.Instance);

        var result = await new StatePublisher(producer, options, NullLogger<StatePublisher>.Instance).PublishAsync(snapshot, CancellationToken.None);

        Assert.Equal(new PublishResult(6553, 0, null), result);
        var expected = snapshot.States.ToDictionary(s => s.Icao24);
        var partitionOf = new Dictionary<string, int>();
        var received = 0;
        var markers = new Dictionary<int, SnapshotMarker>();
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((received < snapshot.States.Count || markers.Count < 6) && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } message)
            {
                continue;
            }

            // Each partition ends with the snapshot's marker: no state of the snapshot comes after it.
            Assert.False(markers.ContainsKey(message.Partition.Value), $"a message after partition {message.Partition.Value}'s snapshot marker");
            if (StateMessage.Read(message.Message.Value, out _, out var marker, out _) == MessageKind.Marker)
            {
                Assert.Null(message.Message.Key);
                markers[message.Partition.Value] = marker;
                continue;
            }

            received++;
            Assert.True(StateMessage.TryRead(message.Message.Value, out var envelope, out var error), error);
            Assert.Equal(message.Message.Key, envelope.State.Icao24);
            Assert.Equal(snapshot.Time, envelope.SnapshotTime);
            Assert.Equal(expected[envelope.State.Icao24], envelope.State);
            Assert.Equal(partitionOf.GetValueOrDefault(message.Message.Key, message.Partition.Value), message.Partition.Value);
            partitionOf[message.Message.Key] = message.Partition.Value;
        }

        consumer.Close();
        Assert.Equal(6553, received);
        Assert.Equal(6553, partitionOf.Count);
        Assert.Equal(6, partitionOf.Values.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 6).ToDictionary(p => p, _ => new SnapshotMarker(snapshot.Time, 6)), markers);

        // The same aircraft goes to the same partition on every snapshot: publish a second one and compare.
        var later = new StatesSnapshot(snapshot.Time + 10, snapshot.States.Take(500).ToArray());
        Assert.True((await new StatePublisher(producer, options, NullLogger<StatePublisher>.Instance).PublishAsync(later, CancellationToken.None)).AllDelivered);
        using var second = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        second.Subscribe(topic);
        var laterSeen = 0;
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (laterSeen < 500 && DateTime.UtcNow < deadline)
        {
            if (second.Consume(TimeSpan.FromMilliseconds(500)) is { } message && StateMessage.TryRead(message.Message.Value, out var envelope, out _) && envelope.SnapshotTime == later.Time)
            {
                laterSeen++;
                Assert.Equal(partitionOf[message.Message.Key], message.Partition.Value);
            }
        }

        second.Close();
        Assert.Equal(500, laterSeen);
    }

    private static StatesSnapshot LoadGlobalSnapshot()
    {
        using var gzip = new GZipStream(File.OpenRead(Recordings.Path("global-20251228.json.gz")), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return StatesParser.Parse(bytes.ToArray());
    }
}
