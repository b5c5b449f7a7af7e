using System.Net;
using System.Text.Json;
using Dapper;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Playwright;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>Values from OpenSky and imported CSVs are data, never markup; bad query input is a 400 with its reason.</summary>
public sealed class DashboardSecurityTests
{
    // Each payload would set window.xss if it were parsed as HTML (and the policy allowed it).
    private const string Callsign = "<img src=x onerror=window.xss=1>";
    private const string Registration = "<script>window.xss=2</script>";
    private const string TypeCode = "\"><svg onload=window.xss=3>";
    private const string Operator = "<b onmouseover=window.xss=4>Op</b>";
    private const string Country = "<iframe srcdoc=\"<script>parent.xss=5</script>\"></iframe>";
    private const string Model = "</td><img src=x onerror=window.xss=6>";
    private const string Squawk = "<i>7700</i>";
    private const string AirportName = "<img src=x onerror=window.xss=7>";
    private const string AirportIata = "<i>X</i>";

    [Fact]
    public async Task Hostile_values_in_callsign_registration_type_operator_country_and_airport_are_shown_as_text_on_every_page_and_run_no_script()
    {
        await using var dashboard = await OpenDashboard.StartAsync(HostileValuesAsync);
        var page = dashboard.Page;
        var flightId = (await TestPipeline.For(dashboard.Database).SessionsAsync("aaa001"))[0].SessionId;

        await dashboard.GotoAsync("/");
        var row = page.Locator("#aircraft-list tr[data-icao24=aaa001]");
        await Assertions.Expect(row.Locator("td").First).ToHaveTextAsync(Callsign);
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(Squawk);
        await Assertions.Expect(page.Locator(".aircraft-marker[data-icao24=aaa001]")).ToHaveAttributeAsync("title", Callsign);
        await row.ClickAsync();
        await page.Locator(".aircraft-marker[data-icao24=aaa001]").HoverAsync();
        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync(Callsign);
        await Assertions.Expect(page.Locator("#info-aircraft")).ToHaveTextAsync(Registration + " · aaa001");
        await Assertions.Expect(page.Locator("#info-type")).ToHaveTextAsync($"{TypeCode} · {Model} · {Operator}");
        await Assertions.Expect(page.Locator("#info-country")).ToHaveTextAsync(Country);
        await Assertions.Expect(page.Locator("#info-squawk")).ToHaveTextAsync(Squawk);
        await AssertNoScriptRanAsync(page);

        await dashboard.GotoAsync("/flights.html");
        await Assertions.Expect(page.Locator("#flights tbody tr td")).ToHaveTextAsync(
            [Callsign, Registration + " · aaa001", TypeCode, Operator, Country, "XHOS", "–", "2026-01-01 12:00:00", "–", "5", "131.8", "open"], new() { UseInnerText = false });
        await page.Locator("#flights tbody td").First.HoverAsync();
        await AssertNoScriptRanAsync(page);

        await dashboard.GotoAsync("/flight.html?id=" + flightId);
        await Assertions.Expect(page.Locator("#flight-title")).ToHaveTextAsync($"{Callsign} · {Registration} · {TypeCode} · {Operator}");
        await Assertions.Expect(page.Locator("#flight-summary")).ToContainTextAsync(Country);
        await Assertions.Expect(page.Locator("#flight-departure")).ToHaveTextAsync($"XHOS {AirportName} ({AirportIata}) · takeoff · 0.5 km");
        await Assertions.Expect(page.Locator("body[data-loaded=true]")).ToHaveCountAsync(1);
        await page.Locator("#flight-title").HoverAsync();
        await AssertNoScriptRanAsync(page);

        // No policy violation and no error: the pages need nothing the policy forbids.
        dashboard.AssertNoErrors();
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/flights.html")]
    [InlineData("/flight.html?id=1")]
    [InlineData("/map.js")]
    [InlineData("/lib/leaflet.js")]
    [InlineData("/api/live")]
    [InlineData("/api/health")]
    [InlineData("/api/emergencies")]
    [InlineData("/api/flights?callsign=%00")]
    public async Task Every_response_carries_the_content_security_policy_and_the_other_security_headers(string path)
    {
        await using var dashboard = await OpenDashboard.StartAsync(browser: false);

        using var response = await dashboard.Http.GetAsync(path);

        Assert.Equal(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; " +
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
    }

    [Fact]
    public async Task The_pages_contain_no_inline_script_or_style()
    {
        await using var dashboard = await OpenDashboard.StartAsync(browser: false);

        foreach (var page in new[] { "/", "/flights.html", "/flight.html" })
        {
            var html = await dashboard.Http.GetStringAsync(page);
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
            Assert.DoesNotMatch("\\s(on[a-z]+|style)=", html);
            Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("/api/flights?callsign=%00", "callsign must not contain control characters")]
    [InlineData("/api/flights?aircraft=D-AI%00AB", "aircraft must not contain control characters")]
    [InlineData("/api/flights?country=Germany%0A", "country must not contain control characters")]
    [InlineData("/api/flights?limit=abc", "limit must be a whole number from 1 to 1000")]
    [InlineData("/api/flights?limit=0", "limit must be a whole number from 1 to 1000")]
    [InlineData("/api/flights?limit=1001", "limit must be a whole number from 1 to 1000")]
    [InlineData("/api/flights?limit=99999999999999999999", "limit must be a whole number from 1 to 1000")]
    [InlineData("/api/flights?airport=KD%27CA", "airport must be an airport code (letters, digits and hyphens, at most 12), e.g. KDCA")]
    [InlineData("/api/flights?airport=%00", "airport must be an airport code (letters, digits and hyphens, at most 12), e.g. KDCA")]
    [InlineData("/api/flights?airport=ABCDEFGHIJKLM", "airport must be an airport code (letters, digits and hyphens, at most 12), e.g. KDCA")]
    [InlineData("/api/flights/abc", "flight id must be a positive whole number")]
    [InlineData("/api/flights/-1", "flight id must be a positive whole number")]
    [InlineData("/api/aircraft/zzzzzz/route", "icao24 must be 6 hexadecimal digits")]
    [InlineData("/api/aircraft/aaa00%201/route", "icao24 must be 6 hexadecimal digits")]
    public async Task A_parameter_the_api_cannot_use_answers_400_with_a_one_line_reason_and_logs_nothing(string path, string reason)
    {
        await using var dashboard = await OpenDashboard.StartAsync(browser: false);

        using var response = await dashboard.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(reason, body.RootElement.GetProperty("error").GetString());
        Assert.Empty(dashboard.Logs);
    }

    // Kestrel refuses a NUL in the path itself, before routing: the app never sees it.
    [Theory]
    [InlineData("/api/flights/%00")]
    [InlineData("/api/aircraft/aaa%0001/route")]
    public async Task A_nul_in_the_path_is_refused_with_400_and_logs_nothing(string path)
    {
        await using var dashboard = await OpenDashboard.StartAsync(browser: false);

        using var response = await dashboard.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(dashboard.Logs);
    }

    [Theory]
    [InlineData("/api/flights?callsign=DLH&aircraft=%20&country=&limit=5", HttpStatusCode.OK)]
    [InlineData("/api/flights?callsign=DLH&airport=%20", HttpStatusCode.OK)]
    [InlineData("/api/flights/424242", HttpStatusCode.NotFound)]
    [InlineData("/api/aircraft/ABCDEF/route", HttpStatusCode.NotFound)]
    public async Task Usable_parameters_are_still_answered(string path, HttpStatusCode status)
    {
        await using var dashboard = await OpenDashboard.StartAsync(db => TestPipeline.For(db).ProcessAsync(At("aaa001", 0, callsign: "DLH4AB")), browser: false);

        using var response = await dashboard.Http.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.OK)
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("aaa001", Assert.Single(body.RootElement.EnumerateArray()).GetProperty("icao24").GetString());
        }

        Assert.Empty(dashboard.Logs);
    }

    /// <summary>aaa001 with a two-point flight, its values replaced as a replayed state (callsign, country,
    /// squawk) and an aircraft import (the rest) would store them.</summary>
    private static async Task HostileValuesAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 0, lat: 50, lon: 8, callsign: "DLH4AB"));
        await pipeline.ProcessAsync(At("aaa001", 5, lat: 51, lon: 9, callsign: "DLH4AB"));
        // Loaded after the flights, so the airport comes only from the update below (as a catalogue import would name it).
        await TestAirports.LoadAsync(db, new AirportRow("XHOS", "small_airport", AirportName, 50, 8, 100, "DE", AirportIata));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            update dim_aircrafts set last_callsign = @Callsign, registration = @Registration, type_code = @TypeCode,
                   operator = @Operator, origin_country = @Country, model = @Model;
            update live_status set callsign = @Callsign, flight_callsign = @Callsign, squawk = @Squawk;
            update flight_sessions set callsign = @Callsign, departure_airport = 'XHOS', departure_method = 'takeoff',
                   departure_distance_km = 0.5, departure_height_m = 0, departure_unknown_reason = null;
            """, new { Callsign, Registration, TypeCode, Operator, Country, Model, Squawk });
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    // No payload ran (none set the flag) and none became an element: the DOM holds only what the pages build.
    private static async Task AssertNoScriptRanAsync(IPage page)
    {
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.xss"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('img[src=\"x\"], iframe, b, i, main svg[onload], main script').length"));
    }
}
