using System.Text;
using Confluent.Kafka;
using Dapper;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Processing;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Processing;

/// <summary>
/// Poison messages and outages through the real processor, the embedded Kafka over TCP and PostgreSQL:
/// what can never be written is dead-lettered and the partition moves on; only transient failures are retried.
/// </summary>
public sealed class PoisonAndOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // PostgreSQL text cannot hold U+0000 (22021); JSON can. Nothing about it changes however often it is retried.
    private static IncomingMessage Poison(string icao24, double minute) => Message(Vector(icao24, minute, callsign: "NUL\u0000X"));

    [Fact]
    public async Task A_state_that_can_never_be_written_is_isolated_from_its_batch_and_dead_lettered_with_the_error()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var poison = Poison("bad001", 0);

        var result = await pipeline.ProcessAsync(At("abc001", 0), At("abc002", 0), poison, At("abc003", 0), At("abc004", 0), At("abc001", 6));

        Assert.Equal(1, result.DeadLettered);
        Assert.Equal(5, result.Write.StatesApplied);
        Assert.Equal(4L, await pipeline.ScalarAsync<long>("select count(*) from live_status"));
        Assert.Equal(0L, await pipeline.ScalarAsync<long>("select count(*) from dim_aircrafts where transponder_hex = 'bad001'"));
        Assert.Equal([Time(0), Time(6)], (await pipeline.SessionsAsync("abc001"))[0].PointTimes);
        var (message, error) = Assert.Single(((RecordingDeadLetterSink)pipeline.DeadLetters).Sent);
        Assert.Equal(poison.Offset, message.Offset);
        Assert.StartsWith("cannot be written: PostgresException: 22021", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_times_in_the_far_future_or_far_past_are_rejected_by_reason_and_the_rest_of_the_batch_is_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var before = await pipeline.DumpAsync();

        var result = await pipeline.ProcessAsync(
            Message(Vector("abc001", 0) with { LastContact = 285_000_000_000, TimePosition = 285_000_000_000 }, snapshotTime: 285_000_000_000),
            Message(Vector("abc002", 0) with { LastContact = long.MaxValue, TimePosition = long.MaxValue }, snapshotTime: long.MaxValue),
            Message(Vector("abc003", 0), snapshotTime: 4_102_444_800), // 2100
            Message(Vector("abc004", 0) with { LastContact = -5, TimePosition = -5 }, snapshotTime: -5),
            Message(Vector("abc005", 0), snapshotTime: long.MinValue),
            At("abc006", 0));

        Assert.Equal(new Dictionary<RejectReason, int> { [RejectReason.SnapshotTimeInFuture] = 3, [RejectReason.SnapshotTimeTooEarly] = 2 }, result.Rejected);
        Assert.Equal((0, 1), (result.DeadLettered, result.Write.StatesApplied));
        Assert.Equal(Time(0), await pipeline.ScalarAsync<DateTime>("select pipeline_clock from pipeline_state"));
        Assert.Equal(1L, await pipeline.ScalarAsync<long>("select count(*) from live_status"));
        Assert.NotEqual(before, await pipeline.DumpAsync());
    }

    [Fact]
    public async Task A_message_that_always_fails_goes_to_the_dead_letter_topic_while_the_messages_after_it_are_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var topic = TestKafka.CreateTopic("states", partitions: 1);
        var dlq = TestKafka.CreateTopic("dlq", partitions: 1);
        var messages = new List<IncomingMessage> { At("aaa000", 0), Poison("bad001", 0) };
        messages.AddRange(Enumerable.Range(1, 50).Select(i => At($"aaa{i:x3}", 0)));
        Produce(topic, messages);

        await using var consumer = await ConsumerHost.StartAsync(db, topic, dlq);
        await consumer.WaitUntilProcessedAsync(new Dictionary<int, long> { [0] = messages.Count });

        Assert.Equal(51L, await Scalar(db, "select count(*) from live_status"));
        Assert.Equal((1L, 51L), (consumer.Metrics.DeadLettered, consumer.Metrics.Written));
        var dead = ReadOne(dlq);
        Assert.Equal("bad001", Encoding.UTF8.GetString(dead.Message.Key));
        Assert.Equal("1", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes("source_offset")));
        Assert.StartsWith("cannot be written: PostgresException: 22021", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(KafkaDeadLetterSink.ErrorHeader)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_connection_lost_mid_batch_is_retried_with_backoff_and_the_batch_written_in_full_with_nothing_dead_lettered()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var topic = TestKafka.CreateTopic("states", partitions: 1);
        var dlq = TestKafka.CreateTopic("dlq", partitions: 1);
        var messages = Enumerable.Range(0, 20).Select(i => At($"ccc{i:x3}", 0)).ToList();
        Produce(topic, messages);

        // The first attempt waits on the lock at its last statement; its connection is then cut as a server restart would.
        await using var blocker = await db.DataSource.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("lock table live_status in exclusive mode", transaction: blocking);
        await using var consumer = await ConsumerHost.StartAsync(db, topic, dlq);
        await using (var admin = TestPostgres.Admin())
        await using (var monitor = await admin.OpenConnectionAsync())
        {
            var terminated = 0;
            for (var attempt = 0; attempt < 600 && terminated == 0; attempt++)
            {
                await Task.Delay(50);
                terminated = await monitor.ExecuteScalarAsync<int>(
                    "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = @app and wait_event_type = 'Lock') t", new { app = db.Schema });
            }

            Assert.Equal(1, terminated);
        }

        await blocking.RollbackAsync();
        await consumer.WaitUntilProcessedAsync(new Dictionary<int, long> { [0] = messages.Count });

        Assert.Equal(20L, await Scalar(db, "select count(*) from live_status"));
        Assert.Equal((0L, 20L), (consumer.Metrics.DeadLettered, consumer.Metrics.Written));
    }

    internal static async Task<long> Scalar(TestDatabase db, string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    internal static void Produce(string topic, IEnumerable<IncomingMessage> messages)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers, EnableIdempotence = true }).Build();
        foreach (var message in messages)
        {
            producer.Produce(topic, new Message<byte[], byte[]> { Key = message.Key!, Value = message.Value! });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    private static ConsumeResult<byte[], byte[]> ReadOne(string topic)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        reader.Subscribe(topic);
        for (var attempt = 0; attempt < 60; attempt++)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(500)) is { } result)
            {
                reader.Close();
                return result;
            }
        }

        throw new TimeoutException($"nothing on {topic}");
    }
}

/// <summary>The local host's consumer (StateConsumerService in a CliHost), as `flights run` runs it, on a test's topic and database.</summary>
internal sealed class ConsumerHost : IAsyncDisposable
{
    private readonly CliHost host;
    private readonly IHost app;

    private ConsumerHost(CliHost host, IHost app)
    {
        this.host = host;
        this.app = app;
    }

    public StateConsumerService Consumer => app.Services.GetRequiredService<StateConsumerService>();

    public PipelineMetrics Metrics => app.Services.GetRequiredService<PipelineMetrics>();

    public IServiceProvider Services => app.Services;

    // settings: further settings on top of the test's database and topics; logs: receives the host's logs (at the
    // host's own levels) for tests that assert what was logged.
    public static async Task<ConsumerHost> StartAsync(TestDatabase db, string topic, string dlq, string? group = null, IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Flights"] = db.ConnectionString,
            ["Kafka:BootstrapServers"] = TestKafka.BootstrapServers,
            ["Kafka:Topic"] = topic,
            ["Kafka:DeadLetterTopic"] = dlq,
            ["Kafka:ConsumerGroup"] = group ?? "group-" + Guid.NewGuid().ToString("N"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await CliHost.CreateAsync(new CliHostOptions(false, Settings: all), TextWriter.Null, CancellationToken.None);
        if (logs is not null)
        {
            host.Builder.Logging.AddProvider(logs);
        }

        host.AddPipeline(TextWriter.Null, fetchAndClose: false);
        var app = host.Build();
        await app.StartAsync();
        return new ConsumerHost(host, app);
    }

    public async Task WaitUntilProcessedAsync(IReadOnlyDictionary<int, long> endOffsets)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!Consumer.HasProcessed(endOffsets))
        {
            app.Services.GetRequiredService<HostFailure>().ThrowIfFailed();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the consumer processed only {string.Join(", ", Consumer.ProcessedUpTo.Select(p => $"{p.Key}:{p.Value}"))}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        app.Dispose();
        await host.DisposeAsync();
    }
}
