using Dapper;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Playwright;
using static Flights.Tests.Integration.Dashboard.DashboardHost;
using static Flights.Tests.Integration.Dashboard.Seen;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's headless Chromium driven by Playwright) against the app
/// serving a test database. Chromium is installed by tests/install-chromium.sh when missing. What a person
/// sees is asserted from the screenshot's pixels (saved under artifacts/screenshots), not only from the DOM.
/// </summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task The_map_shows_every_live_aircraft_above_the_basemap_a_click_shows_its_callsign_and_its_route_on_top_and_the_health_panel_shows_the_clock()
    {
        await using var dashboard = await OpenDashboard.StartAsync(ThreeAircraftAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/");

        await Assertions.Expect(page.Locator(".aircraft-marker")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#map[data-basemap=loaded]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#health-clock")).ToHaveTextAsync("2026-01-01 13:05:00");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(0);
        await page.Locator(".aircraft-marker[data-icao24=aaa001]").ClickAsync();
        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("DLH4AB");
        await Assertions.Expect(page.Locator("#info-aircraft")).ToHaveTextAsync("D-AIAB · aaa001");
        await Assertions.Expect(page.Locator("#info-type")).ToHaveTextAsync("A320 · Lufthansa");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(1);
        await page.Mouse.MoveAsync(0, 0); // no hover effect in the picture

        var pixels = await ScreenshotAsync(page, "map");
        await RouteAsync(page, pixels);
        foreach (var icao24 in new[] { "aaa001", "bbb002", "ccc003" })
        {
            await MarkerAsync(page, pixels, icao24, Above9Km);
        }

        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task The_flights_page_filters_by_callsign_and_country_and_links_to_the_flight_with_its_profile()
    {
        await using var dashboard = await OpenDashboard.StartAsync(ThreeAircraftAsync);
        var page = dashboard.Page;
        var rows = page.Locator("#flights tbody tr");

        await dashboard.GotoAsync("/flights.html");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await page.FillAsync("input[name=callsign]", "dlh");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await page.FillAsync("input[name=callsign]", "");
        await page.FillAsync("input[name=country]", "united states");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First.Locator("td").First).ToHaveTextAsync("N123AB");

        await page.FillAsync("input[name=country]", "");
        await page.FillAsync("input[name=aircraft]", "D-AIAB");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await rows.First.Locator("a").ClickAsync();
        await Assertions.Expect(page.Locator("#flight-title")).ToHaveTextAsync("DLH4AB · D-AIAB · A320 · Lufthansa");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#profile .u-legend .u-label")).ToHaveTextAsync(["Time (UTC)", "Altitude", "Speed"]);
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task A_filter_the_api_cannot_use_shows_its_reason_on_the_flights_page()
    {
        await using var dashboard = await OpenDashboard.StartAsync(ThreeAircraftAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flights.html?callsign=" + new string('D', 101));

        await Assertions.Expect(page.Locator("#filters-error")).ToHaveTextAsync("callsign must be at most 100 characters");
        await Assertions.Expect(page.Locator("#flights tbody tr")).ToHaveCountAsync(0);
    }

    /// <summary>aaa001 (DLH4AB, enriched) with a two-point route; bbb002 (N123AB, United States); ccc003 (DLH9XY), apart on the map.</summary>
    private static async Task ThreeAircraftAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 55, lat: 50, lon: 8, callsign: "DLH4AB"));
        await pipeline.ProcessAsync(At("aaa001", 60, lat: 51, lon: 9, callsign: "DLH4AB"), Message(Vector("bbb002", 60, lat: 48, lon: 2, callsign: "N123AB") with { OriginCountry = "United States" }));
        await pipeline.ProcessAsync(At("ccc003", 65, lat: 52, lon: 13, callsign: "DLH9XY"));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("update dim_aircrafts set registration = 'D-AIAB', type_code = 'A320', operator = 'Lufthansa' where transponder_hex = 'aaa001'");
    }
}
