using Flights.Core.Ingestion;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Functions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Flights.Tests.Unit.Functions;

public sealed class FetchStatesFunctionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // A snapshot time just before the wall clock, as OpenSky serves them.
    private const long T = 1_767_268_790;
    private readonly Mock<IOpenSkyClient> client = new(MockBehavior.Strict);
    private readonly Mock<IStatePublisher> publisher = new(MockBehavior.Strict);
    private readonly Mock<IFetchStatusStore> store = new();
    private readonly List<FetchStatus> recorded = [];

    public FetchStatesFunctionTests() =>
        store.Setup(s => s.RecordAsync(It.IsAny<FetchStatus>(), It.IsAny<CancellationToken>()))
            .Callback<FetchStatus, CancellationToken>((status, _) => recorded.Add(status))
            .Returns(Task.CompletedTask);

    private FetchStatesFunction Function() =>
        new(new FetchStatesJob(client.Object, publisher.Object, store.Object, new PipelineMetrics(), new FakeTimeProvider(Now), NullLogger<FetchStatesJob>.Instance));

    private static StatesSnapshot Snapshot(long time, int states) =>
        new(time, Enumerable.Range(0, states).Select(i => new StateVector($"abc{i:x3}", "X", "C", time, time, 1, 1, 1, false, 1, 1, 1, 1, null, false, 0, null)).ToArray());

    private void OpenSkyAnswers(params StatesSnapshot[] snapshots)
    {
        var sequence = client.SetupSequence(c => c.FetchStatesAsync(It.IsAny<CancellationToken>()));
        foreach (var snapshot in snapshots)
        {
            sequence = sequence.ReturnsAsync(new OpenSkyFetchResult(snapshot, 390, Now.AddSeconds(10), null));
        }
    }

    [Fact]
    public async Task A_new_snapshot_is_published_and_recorded()
    {
        var snapshot = Snapshot(T, 3);
        OpenSkyAnswers(snapshot);
        publisher.Setup(p => p.PublishAsync(snapshot, It.IsAny<CancellationToken>())).ReturnsAsync(new PublishResult(3, 0, null));

        await Function().RunAsync(null!, CancellationToken.None);

        publisher.Verify(p => p.PublishAsync(snapshot, It.IsAny<CancellationToken>()), Times.Once);
        var status = Assert.Single(recorded);
        Assert.Equal(("published", 3, 3, T, 390), (status.Result, status.States, status.Published, status.SnapshotTime!.Value, status.CreditsRemaining!.Value));
        Assert.Equal(Now.AddSeconds(10), status.NextCallAt);
    }

    [Fact]
    public async Task A_snapshot_with_the_same_time_as_the_last_published_is_not_published_again()
    {
        var first = Snapshot(T, 2);
        var repeat = Snapshot(T, 2);
        OpenSkyAnswers(first, repeat);
        publisher.Setup(p => p.PublishAsync(first, It.IsAny<CancellationToken>())).ReturnsAsync(new PublishResult(2, 0, null));
        var function = Function();

        await function.RunAsync(null!, CancellationToken.None);
        await function.RunAsync(null!, CancellationToken.None);

        publisher.Verify(p => p.PublishAsync(It.IsAny<StatesSnapshot>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(["published", "unchanged"], recorded.Select(r => r.Result));
    }

    [Fact]
    public async Task A_partly_delivered_snapshot_is_published_again_at_the_next_tick()
    {
        var snapshot = Snapshot(T, 2);
        OpenSkyAnswers(snapshot, snapshot);
        publisher.SetupSequence(p => p.PublishAsync(snapshot, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new PublishResult(1, 1, "Local: Message timed out"))
            .ReturnsAsync(new PublishResult(2, 0, null));
        var function = Function();

        await function.RunAsync(null!, CancellationToken.None);
        await function.RunAsync(null!, CancellationToken.None);

        publisher.Verify(p => p.PublishAsync(snapshot, It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Equal(["partial", "published"], recorded.Select(r => r.Result));
        Assert.Equal("Local: Message timed out", recorded[0].Message);
    }

    [Fact]
    public async Task OpenSky_being_down_is_recorded_and_does_not_throw()
    {
        client.Setup(c => c.FetchStatesAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OpenSkyUnavailableException("OpenSky unreachable at https://opensky-network.org/api/states/all: 503 Service Unavailable; will retry at next tick", new Uri("https://opensky-network.org/api/states/all"), System.Net.HttpStatusCode.ServiceUnavailable));

        await Function().RunAsync(null!, CancellationToken.None);

        publisher.VerifyNoOtherCalls();
        var status = Assert.Single(recorded);
        Assert.Equal("unavailable", status.Result);
        Assert.False(status.Succeeded);
        Assert.StartsWith("OpenSky unreachable", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_the_credit_rules_hold_back_publishes_nothing()
    {
        client.Setup(c => c.FetchStatesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OpenSkyFetchResult(null, 0, Now.AddHours(3), "rate limited: OpenSky asked to wait 10800 s"));

        await Function().RunAsync(null!, CancellationToken.None);

        publisher.VerifyNoOtherCalls();
        Assert.Equal(("skipped", Now.AddHours(3)), (recorded[0].Result, recorded[0].NextCallAt!.Value));
    }

    [Theory]
    [InlineData(4_102_444_800L, "is more than 00:10:00 ahead of the wall clock")] // 2100
    [InlineData(285_000_000_000L, "is more than 00:10:00 ahead of the wall clock")]
    [InlineData(0L, "is before 2000-01-01")]
    public async Task A_snapshot_dated_far_from_the_wall_clock_is_refused_with_one_line_and_not_published(long time, string why)
    {
        OpenSkyAnswers(Snapshot(time, 2));

        await Function().RunAsync(null!, CancellationToken.None);

        publisher.Verify(p => p.PublishAsync(It.IsAny<StatesSnapshot>(), It.IsAny<CancellationToken>()), Times.Never);
        var status = Assert.Single(recorded);
        Assert.Equal(("implausible_time", 0, (long?)null), (status.Result, status.Published, status.SnapshotTime));
        Assert.Contains($"snapshot time {time} ", status.Message, StringComparison.Ordinal);
        Assert.Contains(why, status.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', status.Message!);
    }
}
