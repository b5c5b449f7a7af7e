using System.Diagnostics;
using Dapper;
using Flights.Dashboard;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's headless Chromium driven by Playwright) against the app
/// serving a test database. Chromium is installed by tests/install-chromium.sh when missing.
/// </summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task The_map_shows_every_live_aircraft_a_click_shows_its_callsign_and_route_and_the_health_panel_shows_the_clock()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await ThreeAircraftAsync(db);
        await using var app = await StartAsync(db);
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });

        await page.GotoAsync(app.Urls.First() + "/");

        await Assertions.Expect(page.Locator(".aircraft-marker")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#health-clock")).ToHaveTextAsync("2026-01-01 13:05:00");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(0);
        await page.Locator(".aircraft-marker[data-icao24=aaa001]").ClickAsync();
        await Assertions.Expect(page.Locator("#info-callsign")).ToHaveTextAsync("DLH4AB");
        await Assertions.Expect(page.Locator("#info-aircraft")).ToHaveTextAsync("D-AIAB · aaa001");
        await Assertions.Expect(page.Locator("#info-type")).ToHaveTextAsync("A320 · Lufthansa");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(1);
        Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryRoot.Path, "artifacts", "dashboard.png") });
    }

    [Fact]
    public async Task The_flights_page_filters_by_callsign_and_country_and_links_to_the_flight_with_its_profile()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await ThreeAircraftAsync(db);
        await using var app = await StartAsync(db);
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        var rows = page.Locator("#flights tbody tr");

        await page.GotoAsync(app.Urls.First() + "/flights.html");
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
        await Assertions.Expect(page.Locator("#flight-title")).ToContainTextAsync("DLH4AB");
        await Assertions.Expect(page.Locator("path.route-line")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#profile polyline")).ToHaveCountAsync(2); // altitude and speed
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

    private static async Task<WebApplication> StartAsync(TestDatabase db)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kafka:BootstrapServers"] = TestKafka.BootstrapServers;
        builder.Configuration["Kafka:Topic"] = TestKafka.CreateTopic("dashboard", 1);
        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddFlightsDashboard(builder.Configuration);
        var app = builder.Build();
        app.MapFlightsDashboard();
        await app.StartAsync();
        return app;
    }

    private static async Task<IBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Value,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    // Installs Debian's chromium when missing (CI starts on a fresh machine); fails with the script's output otherwise.
    private static readonly Lazy<string> Chromium = new(() =>
    {
        var script = Path.Combine(RepositoryRoot.Path, "tests", "install-chromium.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run " + script);
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var path = output.Trim().Split('\n').LastOrDefault()?.Trim();
        if (process.ExitCode != 0 || string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"No Chromium for the browser tests: tests/install-chromium.sh failed ({error.Trim()}). Install Debian's chromium or set CHROMIUM_PATH.");
        }

        return path;
    });
}
