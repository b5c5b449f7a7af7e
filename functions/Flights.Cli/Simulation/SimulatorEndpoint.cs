using System.Globalization;
using Flights.Core.OpenSky;
using Flights.Core.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flights.Cli.Simulation;

/// <summary>How the OpenSky-compatible endpoint behaves towards its callers.</summary>
/// <param name="Credits">Credits for the day; each call costs what OpenSky charges for its box; when spent, 429.</param>
/// <param name="FailEvery">Every Nth call answers 503 (0: never), to exercise the client's retries.</param>
public sealed record EndpointBehaviour(int Credits, int FailEvery);

/// <summary>
/// Serves the simulator as OpenSky's <c>GET /api/states/all</c> on loopback: the snapshot of the current wall-clock
/// time (rounded down to the resolution), <c>lamin/lomin/lamax/lomax</c>, <c>icao24</c> and <c>extended=1</c>,
/// <c>X-Rate-Limit-Remaining</c> after each call, and OpenSky's failure answers on request: a plain-text 429 with
/// <c>X-Rate-Limit-Retry-After-Seconds</c> once the credits are spent, and 503 every Nth call.
/// </summary>
public sealed class SimulatorEndpoint(TrafficSimulator simulator, EndpointBehaviour behaviour, TimeProvider time)
{
    private readonly Lock gate = new();
    private int remaining = behaviour.Credits;
    private long calls;

    /// <summary>Builds the web app listening on <paramref name="urls"/>; the caller starts and stops it.</summary>
    public WebApplication Build(string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        builder.Services.AddRouting();
        var app = builder.Build();
        app.MapGet("/api/states/all", Handle);
        return app;
    }

    private IResult Handle(HttpContext context)
    {
        var query = context.Request.Query;
        BoundingBox? box = null;
        string[] corners = ["lamin", "lomin", "lamax", "lomax"];
        var given = corners.Count(c => query.ContainsKey(c));
        if (given is > 0 and < 4)
        {
            return Results.Text("lamin, lomin, lamax and lomax go together", statusCode: StatusCodes.Status400BadRequest);
        }

        if (given == 4)
        {
            var values = corners.Select(c => double.TryParse(query[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
            if (values.Any(double.IsNaN))
            {
                return Results.Text("the bounding box takes four numbers", statusCode: StatusCodes.Status400BadRequest);
            }

            box = new BoundingBox(values[0], values[1], values[2], values[3]);
        }

        var now = time.GetUtcNow();
        var cost = CreditPlanner.CreditCost(box);
        int left;
        lock (gate)
        {
            calls++;
            if (behaviour.FailEvery > 0 && calls % behaviour.FailEvery == 0)
            {
                return Results.Text("Service Unavailable (simulated outage)", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            if (remaining < cost)
            {
                var reset = CreditPlanner.NextReset(now);
                context.Response.Headers["X-Rate-Limit-Retry-After-Seconds"] = ((long)(reset - now).TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return Results.Text("Too many requests", statusCode: StatusCodes.Status429TooManyRequests);
            }

            remaining -= cost;
            left = remaining;
        }

        var step = (long)simulator.Options.Resolution.TotalSeconds;
        var t = now.ToUnixTimeSeconds() / step * step;
        var extended = query["extended"] == "1";
        var snapshot = simulator.SnapshotAt(t, box, extended);
        var icao24s = query["icao24"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        if (icao24s.Count > 0)
        {
            snapshot = snapshot with { States = snapshot.States.Where(s => icao24s.Contains(s.Icao24)).ToList() };
        }

        context.Response.Headers["X-Rate-Limit-Remaining"] = left.ToString(CultureInfo.InvariantCulture);
        return Results.Bytes(StatesJson.ToBytes(snapshot, extended), "application/json");
    }
}
