using System.Text;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Sessions;

/// <summary>The lifecycle (safe) clock: the oldest partition's snapshot marker, the only clock the closer judges silence on.</summary>
public sealed class LifecycleClockTests
{
    [Fact]
    public async Task The_closer_ends_nothing_until_every_partition_of_the_topic_has_processed_a_snapshot_marker()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessWithoutMarkerAsync(At("abc123", 0), At("abc123", 3, lat: 50.3), At("fff000", 24), Marker(partition: 0, minute: 24, partitions: 2));

        var beforeSecond = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        await pipeline.ProcessWithoutMarkerAsync(Marker(partition: 1, minute: 24, partitions: 2));
        var afterSecond = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Empty(beforeSecond.Sessions);
        Assert.Null(beforeSecond.PipelineClock);
        Assert.Equal(Time(24), beforeSecond.NewestClock!.Value.UtcDateTime);
        Assert.Equal(("abc123", SessionReasons.SignalLost), (Assert.Single(afterSecond.Sessions).Icao24, afterSecond.Sessions[0].Reason));
        Assert.Equal(Time(24), afterSecond.PipelineClock!.Value.UtcDateTime);
        Assert.Equal(Time(3), Assert.Single(await pipeline.SessionsAsync("abc123")).EndedAt);
    }

    [Fact]
    public async Task The_lifecycle_clock_is_the_oldest_partitions_marker_and_the_health_report_shows_it_beside_the_newest()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        // Partition 0 is at minute 24, partition 1 only at minute 10: abc123 (silent since minute 3) may still have
        // states waiting in partition 1, so it stays open; the landing at minute 5 is confirmed by minute 10.
        await pipeline.ProcessWithoutMarkerAsync(At("abc123", 0), At("abc123", 3), At("def456", 0), At("def456", 5, onGround: true), Marker(1, 10, 2));
        await pipeline.ProcessWithoutMarkerAsync(At("fff000", 24), Marker(0, 24, 2));

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        var report = await HealthAsync(db, Time(24));

        Assert.Equal(Time(10), result.PipelineClock!.Value.UtcDateTime);
        Assert.Equal(Time(24), result.NewestClock!.Value.UtcDateTime);
        Assert.Equal(("def456", SessionReasons.Landed), (Assert.Single(result.Sessions).Icao24, result.Sessions[0].Reason));
        Assert.Null(Assert.Single(await pipeline.SessionsAsync("abc123")).EndedAt);
        Assert.Equal(Time(24), report.PipelineClock!.Value.UtcDateTime);
        Assert.Equal(Time(10), report.SafeClock!.Value.UtcDateTime);
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public async Task States_processed_without_any_snapshot_marker_leave_no_lifecycle_clock_and_the_health_report_says_why()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessWithoutMarkerAsync(At("abc123", 0), At("fff000", 30));

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        var report = await HealthAsync(db, Time(30));

        Assert.Empty(result.Sessions);
        Assert.Null(result.PipelineClock);
        Assert.Null(report.SafeClock);
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(HealthIssueCodes.NoSafeClock, Assert.Single(report.Issues).Code);
    }

    [Fact]
    public async Task Snapshot_markers_are_never_dead_lettered_and_one_with_an_impossible_time_is_skipped_without_failing_the_batch()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var sink = new RecordingDeadLetterSink();
        var pipeline = TestPipeline.For(db, deadLetters: sink);

        var result = await pipeline.ProcessWithoutMarkerAsync(
            At("abc123", 0),
            Marker(0, 0, 1),
            Raw(0, """{"v":1,"marker":"snapshot","snapshot_time":285000000000,"partitions":1}"""),
            Raw(0, $$"""{"v":1,"marker":"snapshot","snapshot_time":{{long.MaxValue}},"partitions":1}"""),
            Raw(0, """{"v":1,"marker":"snapshot","snapshot_time":-62135596800,"partitions":1}"""),
            Raw(0, """{"v":1,"marker":"watermark","at":5}"""));

        Assert.Empty(sink.Sent);
        Assert.Equal((1, 0, 5), (result.Write.StatesApplied, result.DeadLettered, result.ControlMessages));
        Assert.Equal(Time(0), await pipeline.ScalarAsync<DateTime>("select clock from partition_clocks where partition = 0"));
        Assert.Equal(Time(0), await pipeline.ScalarAsync<DateTime>("select pipeline_clock from pipeline_state"));
    }

    [Fact]
    public async Task A_batch_of_nothing_but_markers_advances_both_clocks()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessWithoutMarkerAsync(At("abc123", 0), Marker(0, 0, 1));

        await pipeline.ProcessWithoutMarkerAsync(Marker(0, 21, 1)); // an empty sky for 21 minutes: only markers arrive

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        Assert.Equal((Time(21), Time(21)), (result.PipelineClock!.Value.UtcDateTime, result.NewestClock!.Value.UtcDateTime));
        Assert.Equal(("abc123", SessionReasons.SignalLost), (Assert.Single(result.Sessions).Icao24, result.Sessions[0].Reason));
    }

    private static IncomingMessage Marker(int partition, double minute, int partitions) =>
        new("flight_raw_data", partition, 0, null, StateMessage.SerializeMarker(new SnapshotMarker(BaseTime + (long)(minute * 60), partitions)));

    private static IncomingMessage Raw(int partition, string value) => new("flight_raw_data", partition, 0, null, Encoding.UTF8.GetBytes(value));

    private static Task<PipelineHealthReport> HealthAsync(TestDatabase db, DateTime now)
    {
        var kafka = Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, Topic = TestKafka.CreateTopic("clock", 1), ConsumerGroup = "g-" + Guid.NewGuid().ToString("N")[..8] });
        var health = Microsoft.Extensions.Options.Options.Create(new HealthOptions { KafkaTimeout = TimeSpan.FromSeconds(3) });
        var probe = new ConsumerLagProbe(kafka, health, new ConfigurationBuilder().Build());
        return new PipelineHealthService(db.DataSource, probe, health, new FakeTimeProvider(new DateTimeOffset(now))).GetAsync(CancellationToken.None);
    }
}
