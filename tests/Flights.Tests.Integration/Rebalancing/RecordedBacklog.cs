using Confluent.Kafka;
using Dapper;
using Flights.Cli.Replay;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flights.Tests.Integration.Rebalancing;

/// <summary>The recorded DC capture published as a backlog on a fresh topic of the embedded Kafka, with what the tests need to drain and compare it.</summary>
public static class RecordedBacklog
{
    /// <summary>
    /// The capture spans 15 minutes, less than the default 20-minute flight-end threshold: with it no silence
    /// could end a flight and a wrong lifecycle clock would go unnoticed. Three minutes end 53 flights in it.
    /// </summary>
    public static SessionOptions Rules => new() { FlightEndThreshold = TimeSpan.FromMinutes(3) };

    // Lazy rather than a static initializer: a missing recording then fails each test with the helper's one
    // line, not with a TypeInitializationException around it.
    private static readonly Lazy<IReadOnlyList<StatesSnapshot>> capture = new(() => SnapshotReader.Read(Recordings.Path("dcmetro-20230318-capture.zip")));

    public static IReadOnlyList<StatesSnapshot> Capture => capture.Value;

    /// <summary>Publishes the snapshots through the real publisher (states, then a marker to every partition) and returns the topic.</summary>
    public static async Task<string> PublishAsync(IEnumerable<StatesSnapshot> snapshots, int partitions)
    {
        var topic = TestKafka.CreateTopic("backlog", partitions);
        var options = Options.Create(new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = topic });
        using var producer = new KafkaProducer(options, new ConfigurationBuilder().Build(), NullLogger<KafkaProducer>.Instance);
        var publisher = new StatePublisher(producer, options, NullLogger<StatePublisher>.Instance);
        foreach (var snapshot in snapshots)
        {
            var result = await publisher.PublishAsync(snapshot, CancellationToken.None);
            Assert.True(result.AllDelivered, result.FirstError);
        }

        return topic;
    }

    /// <summary>The high watermark of every partition.</summary>
    public static Dictionary<int, long> EndOffsets(string topic, int partitions)
    {
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = "probe-" + Guid.NewGuid().ToString("N") }).Build();
        return Enumerable.Range(0, partitions).ToDictionary(p => p, p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>Waits until the group has committed every partition to its end (every message processed and acknowledged).</summary>
    public static async Task WaitUntilCommittedAsync(string topic, string group, IReadOnlyDictionary<int, long> endOffsets, Func<string> whileWaiting)
    {
        // A consumer that never subscribes does not join the group; it only reads the group's commits.
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build();
        var partitions = endOffsets.Keys.Select(p => new TopicPartition(topic, p)).ToList();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
            if (endOffsets.All(e => committed.GetValueOrDefault(e.Key, -1) >= e.Value))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the group did not commit the backlog within 3 minutes: committed {string.Join(", ", committed.OrderBy(c => c.Key).Select(c => $"{c.Key}:{c.Value}"))} of {string.Join(", ", endOffsets.OrderBy(e => e.Key).Select(e => $"{e.Key}:{e.Value}"))}; {whileWaiting()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every flight (with its route and summary columns) and every live row, by transponder, without surrogate keys.</summary>
    public static async Task<List<string>> RowsAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("""
            select 'flight ' || d.transponder_hex || ' ' || (to_jsonb(s) - 'session_id' - 'aircraft_id')::text
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            union all
            select 'live ' || d.transponder_hex || ' ' || (to_jsonb(l) - 'aircraft_id' - 'flight_session_id')::text
            from live_status l join dim_aircrafts d using (aircraft_id)
            order by 1
            """)).ToList();
    }

    /// <summary>Runs the closer every second until <paramref name="stop"/> fires; returns the number of runs.</summary>
    public static async Task<int> CloseEverySecondAsync(StaleFlightCloser closer, CancellationToken stop)
    {
        var runs = 0;
        while (!stop.IsCancellationRequested)
        {
            await closer.CloseAsync(dryRun: false, CancellationToken.None);
            runs++;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return runs;
    }
}
