using Flights.Core.OpenSky;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Flights.Tests.Unit.OpenSky;

public class CreditPlannerTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Midnight = new(2026, 3, 21, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Noon);

    private CreditPlanner Planner(OpenSkyOptions? options = null) => new(Options.Create(options ?? new OpenSkyOptions()), _time);

    private static OpenSkyOptions Authenticated(string? box = null) => new() { ClientId = "id", ClientSecret = "secret", BoundingBox = box };

    [Theory]
    [InlineData(null, 4)]
    [InlineData("0,0,5,5", 1)]
    [InlineData("38.25469,-77.96168,39.51589,-76.17943", 1)]
    [InlineData("0,0,5,5.1", 2)]
    [InlineData("0,0,10,10", 2)]
    [InlineData("0,0,10,10.1", 3)]
    [InlineData("0,0,20,20", 3)]
    [InlineData("0,0,20,20.5", 4)]
    [InlineData("-90,-180,90,180", 4)]
    public void A_call_costs_credits_by_the_area_of_its_box(string? box, int cost)
    {
        Assert.Equal(cost, Planner(new OpenSkyOptions { BoundingBox = box }).CallCost);
    }

    [Fact]
    public void Anonymous_access_has_400_credits_and_10_seconds_between_calls()
    {
        var planner = Planner();

        Assert.Equal(400, planner.DailyCredits);
        Assert.Equal(TimeSpan.FromSeconds(10), planner.MinInterval);
    }

    [Fact]
    public void Authenticated_access_has_4000_credits_and_5_seconds_between_calls()
    {
        var planner = Planner(Authenticated());

        Assert.Equal(4000, planner.DailyCredits);
        Assert.Equal(TimeSpan.FromSeconds(5), planner.MinInterval);
    }

    [Fact]
    public void Configured_credits_and_interval_replace_the_defaults()
    {
        var options = Authenticated();
        options.DailyCredits = 8000;
        options.MinInterval = TimeSpan.FromSeconds(30);

        var planner = Planner(options);

        Assert.Equal(8000, planner.DailyCredits);
        Assert.Equal(TimeSpan.FromSeconds(30), planner.MinInterval);
    }

    [Fact]
    public void The_first_call_goes_out_at_once_and_the_next_waits_the_minimum_interval()
    {
        var planner = Planner();

        Assert.True(planner.TryBeginCall(out string? first));
        Assert.Null(first);
        Assert.Equal(Noon.AddSeconds(10), planner.NextCallAt);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(planner.TryBeginCall(out string? reason));
        Assert.Equal("minimum interval of 10 s between calls", reason);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(planner.TryBeginCall(out _));
    }

    [Fact]
    public void Remaining_credits_are_spread_until_the_daily_reset_at_midnight_utc()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));

        // 100 credits at 4 per call leave 25 calls for the 12 h to midnight: one every 28 min 48 s.
        planner.RecordSuccess(100);

        Assert.Equal(Noon.AddSeconds(1728), planner.NextCallAt);
        Assert.Equal(100, planner.CreditsRemaining);
        _time.Advance(TimeSpan.FromSeconds(1727));
        Assert.False(planner.TryBeginCall(out string? reason));
        Assert.Equal(
            "spreading 100 credit(s) at 4 per call until the daily reset at 2026-03-21 00:00:00Z: one call every 00:28:48",
            reason);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(planner.TryBeginCall(out _));
    }

    [Fact]
    public void The_minimum_interval_wins_when_credits_are_plentiful()
    {
        _time.SetUtcNow(new DateTimeOffset(2026, 3, 20, 20, 0, 0, TimeSpan.Zero));
        var planner = Planner(Authenticated("0,0,1,1"));
        Assert.True(planner.TryBeginCall(out _));

        // 4,000 one-credit calls in 4 h would be one every 3.6 s: below the 5 s minimum.
        planner.RecordSuccess(4000);

        Assert.Equal(new DateTimeOffset(2026, 3, 20, 20, 0, 5, TimeSpan.Zero), planner.NextCallAt);
    }

    [Fact]
    public void Without_the_remaining_header_the_planner_counts_the_credits_itself()
    {
        var planner = Planner(new OpenSkyOptions { DailyCredits = 404 });
        Assert.True(planner.TryBeginCall(out _));

        planner.RecordSuccess(null);

        // 404 - 4 = 400 credits, 100 calls in 12 h: one every 7 min 12 s.
        Assert.Equal(400, planner.CreditsRemaining);
        Assert.Equal(Noon.AddSeconds(432), planner.NextCallAt);
    }

    [Fact]
    public void Credits_below_the_cost_of_a_call_wait_for_the_daily_reset()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));

        planner.RecordSuccess(3);

        Assert.Equal(Midnight, planner.NextCallAt);
        _time.SetUtcNow(Midnight.AddTicks(-1));
        Assert.False(planner.TryBeginCall(out string? reason));
        Assert.Equal("3 credit(s) left, 4 per call: waiting for the daily reset at 2026-03-21 00:00:00Z (assumed 00:00 UTC)", reason);
        _time.SetUtcNow(Midnight);
        Assert.True(planner.TryBeginCall(out _));
        Assert.Null(planner.CreditsRemaining);
    }

    [Fact]
    public void A_new_day_starts_counting_from_the_full_allowance()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));
        planner.RecordSuccess(0);

        _time.SetUtcNow(Midnight.AddMinutes(1));
        Assert.True(planner.TryBeginCall(out _));
        planner.RecordSuccess(null);

        Assert.Equal(396, planner.CreditsRemaining);
    }

    [Fact]
    public void A_429_holds_every_call_until_its_retry_after_has_passed()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));

        DateTimeOffset next = planner.RecordRateLimited(TimeSpan.FromSeconds(3600));

        Assert.Equal(Noon.AddHours(1), next);
        Assert.Equal(Noon.AddHours(1), planner.NextCallAt);
        Assert.Equal(0, planner.CreditsRemaining);
        _time.Advance(TimeSpan.FromSeconds(3599));
        Assert.False(planner.TryBeginCall(out string? reason));
        Assert.Equal("credits spent (HTTP 429): OpenSky allows the next call at 2026-03-20 13:00:00Z", reason);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(planner.TryBeginCall(out _));
    }

    [Fact]
    public void A_429_without_retry_after_waits_for_the_daily_reset()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));

        Assert.Equal(Midnight, planner.RecordRateLimited(null));
    }

    [Fact]
    public void A_429_retry_after_shorter_than_the_minimum_interval_still_waits_the_minimum_interval()
    {
        var planner = Planner();
        Assert.True(planner.TryBeginCall(out _));

        Assert.Equal(Noon.AddSeconds(10), planner.RecordRateLimited(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("2026-03-20T23:59:59.9990000+00:00", "2026-03-21T00:00:00+00:00")]
    [InlineData("2026-03-21T00:00:00+00:00", "2026-03-22T00:00:00+00:00")]
    [InlineData("2026-03-21T01:00:00+02:00", "2026-03-21T00:00:00+00:00")]
    public void The_daily_reset_is_the_next_midnight_utc(string now, string reset)
    {
        Assert.Equal(DateTimeOffset.Parse(reset, System.Globalization.CultureInfo.InvariantCulture),
            CreditPlanner.NextReset(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
