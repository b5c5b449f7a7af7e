using Flights.Core.Kafka;
using Flights.Core.Sessions;
using Flights.Dashboard;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using static Flights.Tests.Integration.Dashboard.DashboardHost;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>
/// Issue 16 on the dashboard: a flight's departure and arrival airports (found by the real processor over the
/// Washington airports), the flights list filtered by airport, and emergency squawks in the health panel and
/// in the list of periods.
/// </summary>
public sealed class AirportsAndEmergenciesTests
{
    private static readonly AirportRow Dca = TestAirports.Dca;
    private static readonly AirportRow Iad = TestAirports.Iad;

    private const string Departure = "KDCA Ronald Reagan Washington National Airport (DCA) · takeoff · 1.1 km · 150 m above the field";
    private const string Arrival = "KIAD Washington Dulles International Airport (IAD) · touchdown · 1.1 km";

    [Fact]
    public async Task The_flight_page_shows_the_departure_and_the_arrival_airport_as_visible_text()
    {
        await using var dashboard = await OpenDashboard.StartAsync(WashingtonFlightsAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flight.html?id=" + await FlightIdAsync(dashboard, "abc001"));
        await Assertions.Expect(page.Locator("body[data-loaded=true]")).ToHaveCountAsync(1);

        await Assertions.Expect(page.Locator("#flight-departure")).ToHaveTextAsync(Departure);
        await Assertions.Expect(page.Locator("#flight-arrival")).ToHaveTextAsync(Arrival);
        await Assertions.Expect(page.Locator("#map[data-basemap=loaded]")).ToHaveCountAsync(1);
        await Seen.RouteAsync(page, await ScreenshotAsync(page, "flight-airports", fullPage: true));
        foreach (var id in new[] { "flight-departure", "flight-arrival" })
        {
            await Assertions.Expect(page.Locator("#" + id)).ToBeVisibleAsync();
            Assert.True(await OnTopAsync(page, id), id + " is covered by another element");
        }

        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task An_open_flight_says_it_has_not_landed_and_a_flight_first_seen_high_shows_why_it_has_no_departure()
    {
        await using var dashboard = await OpenDashboard.StartAsync(WashingtonFlightsAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flight.html?id=" + await FlightIdAsync(dashboard, "abc002"));
        await Assertions.Expect(page.Locator("#flight-departure")).ToHaveTextAsync("KIAD Washington Dulles International Airport (IAD) · takeoff · 1.1 km · 150 m above the field");
        await Assertions.Expect(page.Locator("#flight-arrival")).ToHaveTextAsync("open: not landed yet");

        await dashboard.GotoAsync("/flight.html?id=" + await FlightIdAsync(dashboard, "abc003"));
        await Assertions.Expect(page.Locator("#flight-departure")).ToHaveTextAsync("unknown: too high");
        await Assertions.Expect(page.Locator("#flight-arrival")).ToHaveTextAsync("open: not landed yet");
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task The_flights_list_filtered_by_an_airport_shows_exactly_the_flights_departing_or_arriving_there()
    {
        await using var dashboard = await OpenDashboard.StartAsync(WashingtonFlightsAsync);
        var page = dashboard.Page;
        var callsigns = page.Locator("#flights tbody tr td:first-child");

        await dashboard.GotoAsync("/flights.html?airport=kdca");
        await Assertions.Expect(page.Locator("input[name=airport]")).ToHaveValueAsync("kdca");
        await Assertions.Expect(callsigns).ToHaveTextAsync(["AAL1"]);
        await Assertions.Expect(page.Locator("#flights tbody tr").First.Locator("td")).ToHaveTextAsync(
            ["AAL1", "abc001", "–", "–", "Germany", "KDCA", "KIAD", "2026-01-01 12:01:00", "2026-01-01 12:10:00", "9", "41.3", "landed"]);

        await page.FillAsync("input[name=airport]", "KIAD");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(callsigns).ToHaveTextAsync(["UAL2", "AAL1"]);

        await page.FillAsync("input[name=airport]", "KBWI");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#flights tbody tr")).ToHaveCountAsync(0);

        await page.FillAsync("input[name=airport]", "");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(callsigns).ToHaveTextAsync(["UAL2", "DAL3", "AAL1"]);
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task An_airport_the_api_cannot_use_shows_its_reason_on_the_flights_page()
    {
        await using var dashboard = await OpenDashboard.StartAsync(WashingtonFlightsAsync);
        var page = dashboard.Page;

        await dashboard.GotoAsync("/flights.html?airport=" + Uri.EscapeDataString("KD'CA"));

        await Assertions.Expect(page.Locator("#filters-error")).ToHaveTextAsync("airport must be an airport code (letters, digits and hyphens, at most 12), e.g. KDCA");
        await Assertions.Expect(page.Locator("#flights tbody tr")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_aircraft_squawking_7700_appears_in_the_health_panel_and_its_period_in_the_emergency_list_both_linked_to_its_flight()
    {
        await using var dashboard = await OpenDashboard.StartAsync(WashingtonFlightsAsync);
        var page = dashboard.Page;
        var flightId = await FlightIdAsync(dashboard, "abc003");

        await dashboard.GotoAsync("/");
        var active = page.Locator("#health-emergencies li");
        await Assertions.Expect(active).ToHaveTextAsync(["7700 DAL3 (abc003) since 2026-01-01 12:05:00"]);
        await Assertions.Expect(active.First).ToBeVisibleAsync();
        await Assertions.Expect(active.First.Locator("a")).ToHaveAttributeAsync("href", "flight.html?id=" + flightId);
        await Assertions.Expect(page.Locator("#health-emergency-periods")).ToHaveTextAsync("1");
        await page.Mouse.MoveAsync(0, 0);
        await ScreenshotAsync(page, "map-emergency");

        await dashboard.GotoAsync("/flights.html");
        await Assertions.Expect(page.Locator("#emergencies[data-loaded=true]")).ToHaveCountAsync(1);
        var period = page.Locator("#emergency-list tbody tr");
        await Assertions.Expect(period).ToHaveCountAsync(1);
        await Assertions.Expect(period.Locator("td")).ToHaveTextAsync(
            ["7700", "general emergency", "DAL3", "abc003", "2026-01-01 12:05:00", "2026-01-01 12:06:00", "open"]);
        await Assertions.Expect(page.Locator("#emergencies-none")).ToBeHiddenAsync();
        await ScreenshotAsync(page, "flights-emergencies", fullPage: true);
        await period.Locator("a").ClickAsync();
        await Assertions.Expect(page.Locator("#flight-title")).ToHaveTextAsync("DAL3");
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task Without_emergencies_the_panel_lists_none_and_the_emergency_list_says_so()
    {
        await using var dashboard = await OpenDashboard.StartAsync(db => TestPipeline.For(db).ProcessAsync(At("aaa001", 0)));
        var page = dashboard.Page;

        await dashboard.GotoAsync("/");
        await Assertions.Expect(page.Locator("#health-emergency-periods")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#health-emergencies li")).ToHaveCountAsync(0);

        await dashboard.GotoAsync("/flights.html");
        await Assertions.Expect(page.Locator("#emergencies-none")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#emergency-list tbody tr")).ToHaveCountAsync(0);
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task The_dashboards_read_only_role_reads_the_airports_and_emergencies_of_migration_009()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await WashingtonFlightsAsync(db);
        var flightId = (await TestPipeline.For(db).SessionsAsync("abc001"))[0].SessionId;
        await using var reader = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Options = "-c role=flights_reader", Pooling = false }.ConnectionString);
        var queries = new DashboardQueries(reader);

        var flights = await queries.FlightsAsync(new DashboardParameters.Filter(null, null, null, "KDCA", 10), CancellationToken.None);
        var flight = await queries.FlightAsync(flightId, CancellationToken.None);
        var emergencies = await queries.EmergenciesAsync(CancellationToken.None);

        Assert.Equal(["abc001"], flights.Select(f => f.Icao24));
        Assert.NotNull(flight);
        var departure = (DashboardQueries.FlightEnd)flight.GetType().GetProperty("departure")!.GetValue(flight)!;
        Assert.Equal(new DashboardQueries.FlightEnd("KDCA", Dca.Name, "DCA", "takeoff", 1.112, 150.0, null), departure with { DistanceKm = Math.Round(departure.DistanceKm!.Value, 3) });
        Assert.Equal([("abc003", "7700")], emergencies.Select(e => (e.Icao24, e.Squawk)));
    }

    private static IncomingMessage Airborne(string icao24, double minute, double lat, double lon, double altitude, string callsign, string squawk = "1000") =>
        Message(Vector(icao24, minute, lat, lon, callsign: callsign, altitude: altitude) with { Squawk = squawk });

    private static IncomingMessage Ground(string icao24, double minute, double lat, double lon, string callsign) =>
        Message(Vector(icao24, minute, lat, lon, onGround: true, callsign: callsign, altitude: null, velocity: 20));

    /// <summary>
    /// The Washington airports and three flights: abc001 (AAL1) takes off at Reagan National and lands at
    /// Dulles; abc002 (UAL2) takes off at Dulles and is still flying; abc003 (DAL3) is first seen high near
    /// Dulles at minute 2 (no departure) and squawks 7700 from minute 5.
    /// </summary>
    private static async Task WashingtonFlightsAsync(TestDatabase db)
    {
        await TestAirports.LoadAsync(db);
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(Ground("abc001", 0, Dca.Latitude, Dca.Longitude, "AAL1"));
        await pipeline.ProcessAsync(Airborne("abc001", 1, Dca.Latitude + 0.01, Dca.Longitude, 154.572, "AAL1"), Airborne("abc003", 2, Iad.Latitude + 0.05, Iad.Longitude, 3000, "DAL3"));
        await pipeline.ProcessAsync(
            Airborne("abc001", 6, Iad.Latitude + 0.02, Iad.Longitude, 400, "AAL1"),
            Airborne("abc003", 5, Iad.Latitude + 0.1, Iad.Longitude, 3000, "DAL3", squawk: "7700"),
            Ground("abc002", 5, Iad.Latitude, Iad.Longitude, "UAL2"));
        await pipeline.ProcessAsync(
            Airborne("abc003", 6, Iad.Latitude + 0.15, Iad.Longitude, 3000, "DAL3", squawk: "7700"),
            Airborne("abc002", 6, Iad.Latitude + 0.01, Iad.Longitude, 245.0976, "UAL2"));
        await pipeline.ProcessAsync(
            Ground("abc001", 10, Iad.Latitude - 0.01, Iad.Longitude, "AAL1"),
            Ground("abc001", 11, Iad.Latitude - 0.012, Iad.Longitude, "AAL1"),
            Ground("abc001", 12, Iad.Latitude - 0.013, Iad.Longitude, "AAL1"));
    }

    private static async Task<long> FlightIdAsync(OpenDashboard dashboard, string icao24) =>
        Assert.Single(await TestPipeline.For(dashboard.Database).SessionsAsync(icao24)).SessionId;

    // The element is what a person sees at its centre (nothing drawn over it).
    private static Task<bool> OnTopAsync(IPage page, string id) => page.EvaluateAsync<bool>(
        "id => { const e = document.getElementById(id); const r = e.getBoundingClientRect(); const hit = document.elementFromPoint(r.x + Math.min(20, r.width / 2), r.y + r.height / 2); return hit === e || e.contains(hit); }",
        id);
}
