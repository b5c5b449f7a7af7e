using Flights.Tests.Integration.Infrastructure;
using Microsoft.Playwright;
using static Flights.Tests.Integration.Dashboard.DashboardHost;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>The flight page: the route a person sees on the map and a profile chart they can read.</summary>
public sealed class FlightPageTests
{
    private const string AltitudeColour = Seen.RouteColour;
    private const string SpeedColour = "#ef6c00";

    [Fact]
    public async Task The_route_and_its_start_and_end_are_drawn_above_the_basemap()
    {
        await using var dashboard = await OpenDashboard.StartAsync(ClimbingFlightAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flight.html?id=" + await FlightIdAsync(dashboard));
        await Assertions.Expect(page.Locator("body[data-loaded=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#map[data-basemap=loaded]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#flight-title")).ToHaveTextAsync("EZY12");
        var pixels = await ScreenshotAsync(page, "flight", fullPage: true);

        await Seen.RouteAsync(page, pixels);
        foreach (var (end, fill) in new[] { ("route-start", "#2e7d32"), ("route-end", "#c62828") })
        {
            var box = await page.Locator("path." + end).BoundingBoxAsync() ?? throw new InvalidOperationException("no " + end);
            var seen = pixels.Count(fill, box.X, box.Y, box.Width, box.Height);
            Assert.True(seen >= 40, $"{end}: {seen} pixels of {fill}, want at least 40");
            Assert.True(await page.EvaluateAsync<bool>(
                "({ x, y, end }) => document.elementFromPoint(x, y)?.classList.contains(end) === true",
                new { x = (double)box.X + (box.Width / 2), y = (double)box.Y + (box.Height / 2), end }));
        }

        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task The_profile_has_an_altitude_axis_on_the_left_a_speed_axis_on_the_right_and_shows_a_points_utc_time_and_values_on_hover()
    {
        // A browser far from UTC: every time on the page must still be UTC.
        await using var dashboard = await OpenDashboard.StartAsync(ClimbingFlightAsync, timezone: "America/New_York");
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flight.html?id=" + await FlightIdAsync(dashboard));
        await Assertions.Expect(page.Locator("body[data-loaded=true]")).ToHaveCountAsync(1);
        var labels = page.Locator("#profile .u-legend .u-label");
        var values = page.Locator("#profile .u-legend .u-value");
        await Assertions.Expect(labels).ToHaveTextAsync(["Time (UTC)", "Altitude", "Speed"]);

        var plot = await page.Locator("#profile .u-over").BoundingBoxAsync() ?? throw new InvalidOperationException("no plot area");
        await page.Mouse.MoveAsync(plot.X + 2, plot.Y + (plot.Height / 2));
        await Assertions.Expect(values).ToHaveTextAsync(["2026-01-01 12:00:00", "1,000 m", "360 km/h"]);
        await page.Mouse.MoveAsync(plot.X + (plot.Width / 2), plot.Y + (plot.Height / 2));
        await Assertions.Expect(values).ToHaveTextAsync(["2026-01-01 12:05:00", "5,000 m", "720 km/h"]);
        await page.Mouse.MoveAsync(plot.X + plot.Width - 2, plot.Y + (plot.Height / 2));
        await Assertions.Expect(values).ToHaveTextAsync(["2026-01-01 12:10:00", "9,000 m", "900 km/h"]);

        // The axes' tick labels are drawn in their series' colours: altitude left of the plot, speed right of it,
        // and the time axis (dark text) below it.
        await page.Mouse.MoveAsync(0, 0);
        var pixels = await ScreenshotAsync(page, "flight-profile", fullPage: true);
        var left = pixels.Count(AltitudeColour, plot.X - 70, plot.Y, 70, plot.Height, tolerance: 40);
        var right = pixels.Count(SpeedColour, plot.X + plot.Width, plot.Y, 60, plot.Height, tolerance: 40);
        var below = pixels.Count("#000000", plot.X, plot.Y + plot.Height, plot.Width, 50, tolerance: 60);
        Assert.True(left >= 40 && right >= 40 && below >= 40, $"axis label pixels: altitude {left}, speed {right}, time {below}; want at least 40 each");
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task A_flight_id_the_api_cannot_use_shows_its_reason()
    {
        await using var dashboard = await OpenDashboard.StartAsync();
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flight.html?id=abc");

        await Assertions.Expect(page.Locator("#flight-error")).ToHaveTextAsync("flight id must be a positive whole number");
    }

    /// <summary>One flight of eee005 (EZY12): three route points 5 minutes apart, climbing and speeding up.</summary>
    private static async Task ClimbingFlightAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(Message(Vector("eee005", 0, lat: 50, lon: 8, callsign: "EZY12", altitude: 1000, velocity: 100)));
        await pipeline.ProcessAsync(Message(Vector("eee005", 5, lat: 50.5, lon: 9, callsign: "EZY12", altitude: 5000, velocity: 200)));
        await pipeline.ProcessAsync(Message(Vector("eee005", 10, lat: 51, lon: 10, callsign: "EZY12", altitude: 9000, velocity: 250)));
    }

    private static async Task<long> FlightIdAsync(OpenDashboard dashboard)
    {
        var sessions = await TestPipeline.For(dashboard.Database).SessionsAsync("eee005");
        Assert.Equal(3, Assert.Single(sessions).PointCount);
        return sessions[0].SessionId;
    }
}
