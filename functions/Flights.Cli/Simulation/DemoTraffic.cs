using Flights.Core.Airports;
using Flights.Core.OpenSky;
using Flights.Core.Simulation;
using Microsoft.AspNetCore.Builder;

namespace Flights.Cli.Simulation;

/// <summary>
/// `flights run --demo`: the simulator's OpenSky endpoint on a free loopback port, and the settings that point
/// the fetch at it (and poll it every 10 s), so the whole pipeline runs on simulated traffic with no network.
/// </summary>
public sealed class DemoTraffic : IAsyncDisposable
{
    /// <summary>Aircraft in the demo: enough to fill the map of Europe, few enough for a laptop.</summary>
    public const int Aircraft = 1000;

    // One region, so the map opens on a dense area instead of a whole world of scattered markers.
    private static readonly BoundingBox Region = new(35, -12, 60, 32);

    private readonly WebApplication app;

    private DemoTraffic(WebApplication app, string baseUrl)
    {
        this.app = app;
        Settings = new Dictionary<string, string?>
        {
            ["OpenSky:BaseUrl"] = baseUrl,
            ["OpenSky:Schedule"] = "*/5 * * * * *",
            ["OpenSky:ClientId"] = null,
            ["OpenSky:ClientSecret"] = null,
            ["OpenSky:CredentialsFile"] = null,
        };
    }

    /// <summary>Configuration overrides for the pipeline host.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public static async Task<DemoTraffic> StartAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var simulator = new TrafficSimulator(new SimulationOptions { Aircraft = Aircraft, Seed = 1, Start = now / 10 * 10, Region = Region }, AirportCatalogue.BuiltIn);
        var app = new SimulatorEndpoint(simulator, new EndpointBehaviour(Credits: 10_000_000, FailEvery: 0), TimeProvider.System).Build("http://127.0.0.1:0");
        await app.StartAsync(cancellationToken);
        var url = app.Urls.First();
        await output.WriteLineAsync($"Demo: {Aircraft:N0} simulated aircraft between the airports of Europe, served as OpenSky at {url}/api/states/all");
        return new DemoTraffic(app, url + "/api/");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
