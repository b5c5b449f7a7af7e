using Dapper;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Playwright;
using static Flights.Tests.Integration.Dashboard.DashboardHost;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>What a person expects from a live map (tar1090 is the reference): list, search, selection, trails, emergencies.</summary>
public sealed class LiveMapTests
{
    private static readonly string[] ByCallsign = ["aaa001", "ccc003", "ddd004", "bbb002"];
    private static readonly string[] ByAltitudeHighestFirst = ["aaa001", "ddd004", "bbb002", "ccc003"];
    private static readonly string[] BySpeedFastestFirst = ["aaa001", "ddd004", "bbb002", "ccc003"];

    [Fact]
    public async Task The_aircraft_list_sorts_by_a_clicked_column_and_a_click_on_a_row_selects_that_aircraft()
    {
        await using var dashboard = await OpenDashboard.StartAsync(FourAircraftAsync);
        var page = dashboard.Page;
        var rows = page.Locator("#aircraft-list tbody tr");

        await dashboard.GotoAsync("/");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        Assert.Equal(ByCallsign, await IcaoOrderAsync(page));
        await page.ClickAsync("#aircraft-list th[data-sort=altitude]");
        Assert.Equal(ByAltitudeHighestFirst, await IcaoOrderAsync(page));
        await Assertions.Expect(page.Locator("#aircraft-list th[data-sort=altitude]")).ToHaveAttributeAsync("aria-sort", "descending");
        await page.ClickAsync("#aircraft-list th[data-sort=altitude]");
        Assert.Equal(["ccc003", "bbb002", "ddd004", "aaa001"], await IcaoOrderAsync(page));
        await page.ClickAsync("#aircraft-list th[data-sort=speed]");
        Assert.Equal(BySpeedFastestFirst, await IcaoOrderAsync(page));
        await Assertions.Expect(rows.First.Locator("td")).ToHaveTextAsync(["DLH4AB", "10,000", "828", "1000"]);

        await page.ClickAsync("#aircraft-list tr[data-icao24=bbb002]");

        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("N123AB");
        await Assertions.Expect(page.Locator("#aircraft-list tr.selected")).ToHaveAttributeAsync("data-icao24", "bbb002");
        await Assertions.Expect(page.Locator(".aircraft-marker.selected")).ToHaveAttributeAsync("data-icao24", "bbb002");
        Assert.EndsWith("/?icao24=bbb002", page.Url);
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task Search_finds_aircraft_by_callsign_icao24_or_registration_and_enter_selects_the_first_match()
    {
        await using var dashboard = await OpenDashboard.StartAsync(FourAircraftAsync);
        var page = dashboard.Page;
        var rows = page.Locator("#aircraft-list tbody tr");
        await dashboard.GotoAsync("/");
        await Assertions.Expect(rows).ToHaveCountAsync(4);

        await page.FillAsync("#search", "d-aiab");
        Assert.Equal(["aaa001"], await IcaoOrderAsync(page));
        await page.FillAsync("#search", "CCC0");
        Assert.Equal(["ccc003"], await IcaoOrderAsync(page));
        await page.FillAsync("#search", "dlh");
        Assert.Equal(["aaa001", "ccc003"], await IcaoOrderAsync(page));
        await Assertions.Expect(page.Locator("#list-count")).ToHaveTextAsync("2 of 4");
        await page.FillAsync("#search", "ezy");
        await page.PressAsync("#search", "Enter");

        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("EZY12");
        await Assertions.Expect(page.Locator(".aircraft-marker.selected")).ToHaveAttributeAsync("data-icao24", "ddd004");
        await page.FillAsync("#search", "");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task The_selected_aircraft_stays_selected_and_its_details_follow_the_new_data_across_refreshes_and_a_reload()
    {
        await using var dashboard = await OpenDashboard.StartAsync(FourAircraftAsync);
        var page = dashboard.Page;
        await dashboard.GotoAsync("/?refresh=1");
        await page.ClickAsync("#aircraft-list tr[data-icao24=aaa001]");
        await Assertions.Expect(page.Locator("#info-altitude")).ToHaveTextAsync("10,000 m");

        await TestPipeline.For(dashboard.Database).ProcessAsync(Message(Vector("aaa001", 70, lat: 51.2, lon: 9.3, callsign: "DLH4AB", altitude: 7000)));

        // The page refreshes every second; the new altitude shows that a refresh happened.
        await Assertions.Expect(page.Locator("#info-altitude")).ToHaveTextAsync("7,000 m", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("DLH4AB");
        await Assertions.Expect(page.Locator("#aircraft-list tr.selected")).ToHaveAttributeAsync("data-icao24", "aaa001");
        await Assertions.Expect(page.Locator(".aircraft-marker.selected")).ToHaveAttributeAsync("data-icao24", "aaa001");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(1);

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("DLH4AB");
        await Assertions.Expect(page.Locator(".aircraft-marker.selected")).ToHaveAttributeAsync("data-icao24", "aaa001");
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task An_emergency_squawk_is_highlighted_on_the_map_and_in_the_list_and_named_in_the_details()
    {
        await using var dashboard = await OpenDashboard.StartAsync(FourAircraftAsync);
        var page = dashboard.Page;
        await dashboard.GotoAsync("/");
        await Assertions.Expect(page.Locator("#map[data-basemap=loaded]")).ToHaveCountAsync(1);

        await Assertions.Expect(page.Locator(".aircraft-marker.emergency")).ToHaveAttributeAsync("data-icao24", "ccc003");
        await Assertions.Expect(page.Locator("#aircraft-list tr.emergency")).ToHaveAttributeAsync("data-icao24", "ccc003");
        await Assertions.Expect(page.Locator("#aircraft-list tr.emergency td").Nth(3)).ToHaveTextAsync("7700");
        var pixels = await ScreenshotAsync(page, "map-emergency");
        foreach (var (icao24, highlighted) in new[] { ("ccc003", true), ("aaa001", false) })
        {
            var (_, _, box) = await Seen.MarkerCentreAsync(page, icao24);
            var red = pixels.Count(Seen.EmergencyColour, box.X - 5, box.Y - 5, box.Width + 10, box.Height + 10, tolerance: 24);
            Assert.True(highlighted ? red >= 60 : red == 0, $"{icao24}: {red} pixels of the emergency colour around the marker");
        }

        await page.ClickAsync("#aircraft-list tr[data-icao24=ccc003]");
        await Assertions.Expect(page.Locator("#info-squawk")).ToHaveTextAsync("7700 emergency");
    }

    [Fact]
    public async Task An_aircraft_shows_a_trail_from_its_last_route_point_to_where_it_is_now()
    {
        await using var dashboard = await OpenDashboard.StartAsync(FourAircraftAsync);
        var page = dashboard.Page;
        await dashboard.GotoAsync("/");
        await Assertions.Expect(page.Locator(".aircraft-marker")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#map[data-basemap=loaded]")).ToHaveCountAsync(1);
        var pixels = await ScreenshotAsync(page, "map-trail");

        // ddd004 flew due east from 10.5° to 11° (both at 49° N; 36 km, about 1,100 km/h, so the implausible-position rule keeps it) in the two
        // minutes a trail starts with: its trail lies on the marker's row, half a degree of longitude to its left; the scale comes from two
        // markers 4° of longitude apart (aaa001 at 9°, ccc003 at 13°).
        var (x, y, _) = await Seen.MarkerCentreAsync(page, "ddd004");
        var (x9, _, _) = await Seen.MarkerCentreAsync(page, "aaa001");
        var (x13, _, _) = await Seen.MarkerCentreAsync(page, "ccc003");
        var degree = (x13 - x9) / 4;
        var from = x - (degree / 2) + 2;
        var to = x - 13; // the marker itself is 22 pixels wide
        Assert.True(to - from > 10, $"trail too short to judge: {to - from:F0} px");
        var trail = pixels.Count("#c62828", from, y - 3, to - from, 6);
        Assert.True(trail >= to - from, $"trail: {trail} pixels of its colour along {to - from:F0} px");
    }

    private static async Task<string[]> IcaoOrderAsync(IPage page) =>
        (await page.Locator("#aircraft-list tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.icao24)"));

    /// <summary>
    /// aaa001 DLH4AB (D-AIAB) 10,000 m 828 km/h; bbb002 N123AB 3,000 m 540 km/h; ccc003 DLH9XY 500 m 288 km/h
    /// squawking 7700; ddd004 EZY12 8,000 m 720 km/h, flown from 49° N 10° E to 11° E within 5 minutes (one
    /// route point, then a trail).
    /// </summary>
    private static async Task FourAircraftAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(Message(Vector("ddd004", 61, lat: 49, lon: 10.5, callsign: "EZY12", altitude: 8000, velocity: 200)));
        await pipeline.ProcessAsync(
            Message(Vector("aaa001", 63, lat: 51, lon: 9, callsign: "DLH4AB", altitude: 10_000, velocity: 230)),
            Message(Vector("bbb002", 63, lat: 48, lon: 8, callsign: "N123AB", altitude: 3000, velocity: 150)),
            Message(Vector("ccc003", 63, lat: 52, lon: 13, callsign: "DLH9XY", altitude: 500, velocity: 80) with { Squawk = "7700" }),
            Message(Vector("ddd004", 63, lat: 49, lon: 11, callsign: "EZY12", altitude: 8000, velocity: 200)));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("update dim_aircrafts set registration = 'D-AIAB' where transponder_hex = 'aaa001'");
    }
}
