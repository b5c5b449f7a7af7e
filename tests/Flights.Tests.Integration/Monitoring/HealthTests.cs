using Confluent.Kafka;
using Dapper;
using Flights.Cli.Status;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Monitoring;

public sealed class HealthTests
{
    private static readonly TimeSpan FreshAge = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_pipeline_with_fresh_data_a_good_fetch_and_no_lag_is_healthy_with_every_figure()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = await FlightsWithBothEndingsAsync(db);
        await SetLastFetchAsync(db, "ok");
        var kafka = KafkaWithLag(committed: [3, 2], produced: [3, 2]);

        var report = await Health(db.DataSource, kafka, now: Time(30) + FreshAge, metrics: pipeline.Metrics).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Empty(report.Issues);
        Assert.Equal(Time(30), report.PipelineClock!.Value.UtcDateTime);
        Assert.Equal(FreshAge, report.DataAge);
        Assert.Equal(2, report.LiveAircraft); // aaa001 on the ground, ccc003 flying; bbb002's row went with its flight
        Assert.Equal(1, report.OpenFlights);
        Assert.Equal(new Dictionary<string, int> { ["landed"] = 1, ["signal_lost"] = 1 }, report.FlightsEndedLastHour);
        Assert.Equal(new FetchReport(new DateTimeOffset(Time(30), TimeSpan.Zero), "ok", 6000, 3500, new DateTimeOffset(Time(31.5), TimeSpan.Zero)), report.LastFetch);
        Assert.Equal("ok", report.Kafka.State);
        Assert.Equal([new PartitionLag(0, 3, 0, 3, 0), new PartitionLag(1, 2, 0, 2, 0)], report.Kafka.Partitions);
        Assert.Equal(pipeline.Metrics.Received, report.Process!.Received);
        Assert.Null(report.Process.StatesPerSecond);
    }

    [Fact]
    public async Task Flights_ended_more_than_an_hour_of_pipeline_time_ago_are_not_counted()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = await FlightsWithBothEndingsAsync(db);
        await pipeline.ProcessAsync(At("ccc003", 71));

        var report = await Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(71)).GetAsync(CancellationToken.None);

        // The landing (minute 10) is more than an hour before the clock (71); the signal loss (ended at minute 0 + 20) is not.
        Assert.Equal(new Dictionary<string, int> { ["signal_lost"] = 1 }, report.FlightsEndedLastHour);
    }

    [Fact]
    public async Task An_empty_warehouse_is_degraded_with_no_data_yet()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();

        var report = await Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(0)).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal([new HealthIssue("no_data", "no data yet: no state has been processed")], report.Issues);
        Assert.Null(report.PipelineClock);
        Assert.Equal(0, report.LiveAircraft);
        Assert.Null(report.LastFetch!.At);
    }

    [Fact]
    public async Task Data_older_than_the_poll_interval_plus_max_data_age_is_degraded_as_stale()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("abc123", 0));
        var limit = new HealthOptions().PollInterval + new HealthOptions().MaxDataAge;

        var atLimit = await Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(0) + limit).GetAsync(CancellationToken.None);
        var pastLimit = await Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(0) + limit + TimeSpan.FromSeconds(1)).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, atLimit.Status);
        Assert.Equal(HealthStatus.Degraded, pastLimit.Status);
        Assert.Equal([new HealthIssue("data_stale", "data is 3m 31s old (limit 3m 30s)")], pastLimit.Issues);
    }

    [Fact]
    public async Task A_failed_last_fetch_is_degraded_with_its_result()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("abc123", 30));
        await SetLastFetchAsync(db, "http_429");

        var report = await Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(30) + FreshAge).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal([new HealthIssue("fetch_failed", "last fetch failed: http_429")], report.Issues);
    }

    [Fact]
    public async Task Consumer_lag_above_the_limit_is_degraded_and_shown_per_partition()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("abc123", 0));
        // Partition 0: 1 of 3 done; partition 1: nothing committed, so both of its messages wait.
        var kafka = KafkaWithLag(committed: [1, null], produced: [3, 2]);

        var report = await Health(db.DataSource, kafka, now: Time(0) + FreshAge, new HealthOptions { MaxConsumerLag = 3 }).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal([new HealthIssue("consumer_lag", $"consumer group {kafka.ConsumerGroup} is 4 messages behind (limit 3)")], report.Issues);
        Assert.Equal([new PartitionLag(0, 1, 0, 3, 2), new PartitionLag(1, null, 0, 2, 2)], report.Kafka.Partitions);
        Assert.Equal(4, report.Kafka.TotalLag);
    }

    [Fact]
    public async Task Lag_at_the_limit_is_healthy()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("abc123", 0));

        var report = await Health(db.DataSource, KafkaWithLag([1, null], [3, 2]), now: Time(0) + FreshAge, new HealthOptions { MaxConsumerLag = 4 }).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(4, report.Kafka.TotalLag);
    }

    [Fact]
    public async Task Unreachable_kafka_is_degraded_and_the_report_says_so()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("abc123", 0));
        var nowhere = new KafkaOptions { BootstrapServers = "127.0.0.1:1", Topic = "flight_raw_data", ConsumerGroup = "flights-processor" };

        var report = await Health(db.DataSource, nowhere, now: Time(0) + FreshAge).GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        var issue = Assert.Single(report.Issues);
        Assert.Equal("kafka_unreachable", issue.Code);
        Assert.StartsWith("Kafka unreachable: ", issue.Message, StringComparison.Ordinal);
        Assert.Equal("unreachable", report.Kafka.State);
        Assert.Empty(report.Kafka.Partitions);
        Assert.Equal(1, report.LiveAircraft); // the warehouse part is still read
    }

    [Fact]
    public async Task An_unreachable_database_is_down_and_the_status_command_exits_1()
    {
        await using var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=flights;Database=flights;Timeout=3");
        var health = Health(nowhere, KafkaWithLag([0], [0]), now: Time(0));

        var report = await health.GetAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Down, report.Status);
        var issue = Assert.Single(report.Issues);
        Assert.Equal("database_unreachable", issue.Code);
        Assert.Null(report.LiveAircraft);
        Assert.Equal("ok", report.Kafka.State);

        var output = new StringWriter();
        Assert.Equal(1, await StatusRenderer.RunAsync(Services(health), json: false, output, CancellationToken.None));
        Assert.StartsWith("Status             DOWN\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("! database_unreachable: database unreachable: ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_status_command_prints_the_json_report_and_exits_0_when_degraded()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var health = Health(db.DataSource, KafkaWithLag([0], [0]), now: Time(0));

        var output = new StringWriter();
        var exit = await StatusRenderer.RunAsync(Services(health), json: true, output, CancellationToken.None);

        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal("Degraded", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("no_data", json.RootElement.GetProperty("issues")[0].GetProperty("code").GetString());
        Assert.Equal("ok", json.RootElement.GetProperty("kafka").GetProperty("state").GetString());
    }

    [Fact]
    public async Task States_per_second_is_the_rate_since_the_previous_check()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var clock = new FakeTimeProvider(new DateTimeOffset(Time(0)));
        var health = Health(db.DataSource, KafkaWithLag([0], [0]), clock, metrics: pipeline.Metrics);

        await health.GetAsync(CancellationToken.None);
        await pipeline.ProcessAsync(Enumerable.Range(0, 20).Select(i => At($"abc{i:000}", 0)).ToArray());
        clock.Advance(TimeSpan.FromSeconds(10));
        var report = await health.GetAsync(CancellationToken.None);

        Assert.Equal(2.0, report.Process!.StatesPerSecond);
    }

    private static async Task<TestPipeline> FlightsWithBothEndingsAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        // aaa001 lands at minute 10 (confirmed after two minutes on the ground); bbb002 goes silent after
        // minute 0; ccc003 flies on until minute 30 and moves the clock, so the closer ends bbb002 as signal_lost.
        await pipeline.ProcessAsync(At("aaa001", 0), At("bbb002", 0), At("ccc003", 0));
        await pipeline.ProcessAsync(At("aaa001", 5), At("ccc003", 5));
        foreach (var minute in new[] { 10, 11, 12, 13 })
        {
            await pipeline.ProcessAsync(At("aaa001", minute, onGround: true));
        }

        foreach (var minute in new[] { 10, 20, 30 })
        {
            await pipeline.ProcessAsync(At("ccc003", minute));
        }

        await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        return pipeline;
    }

    private static async Task SetLastFetchAsync(TestDatabase db, string result)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "update pipeline_state set last_fetch_at = @at, last_fetch_result = @result, last_fetch_states = 6000, credits_remaining = 3500, next_fetch_at = @next",
            new { at = Time(30), result, next = Time(31.5) });
    }

    /// <summary>A fresh topic with <paramref name="produced"/> messages per partition and the group's commits (null: none).</summary>
    private static KafkaOptions KafkaWithLag(long?[] committed, int[] produced)
    {
        var topic = TestKafka.CreateTopic("health", produced.Length);
        var group = "group-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers }).Build())
        {
            for (var partition = 0; partition < produced.Length; partition++)
            {
                for (var i = 0; i < produced[partition]; i++)
                {
                    producer.Produce(new TopicPartition(topic, partition), new Message<Null, string> { Value = "{}" });
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var commits = committed.Select((offset, partition) => (offset, partition)).Where(c => c.offset is not null)
            .Select(c => new TopicPartitionOffset(topic, c.partition, c.offset!.Value)).ToList();
        if (commits.Count > 0)
        {
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build();
            consumer.Commit(commits);
        }

        return new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = topic, ConsumerGroup = group };
    }

    private static PipelineHealthService Health(NpgsqlDataSource dataSource, KafkaOptions kafka, DateTime now, HealthOptions? options = null, Flights.Core.Monitoring.PipelineMetrics? metrics = null) =>
        Health(dataSource, kafka, new FakeTimeProvider(new DateTimeOffset(now)), options, metrics);

    private static PipelineHealthService Health(NpgsqlDataSource dataSource, KafkaOptions kafka, TimeProvider time, HealthOptions? options = null, Flights.Core.Monitoring.PipelineMetrics? metrics = null)
    {
        var health = Microsoft.Extensions.Options.Options.Create(options ?? new HealthOptions());
        health.Value.KafkaTimeout = TimeSpan.FromSeconds(3);
        var probe = new ConsumerLagProbe(Microsoft.Extensions.Options.Options.Create(kafka), health, new ConfigurationBuilder().Build());
        return new PipelineHealthService(dataSource, probe, health, time, metrics);
    }

    private static ServiceProvider Services(PipelineHealthService health) => new ServiceCollection().AddSingleton(health).BuildServiceProvider();
}
