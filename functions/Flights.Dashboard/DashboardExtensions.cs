using Flights.Core.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;

namespace Flights.Dashboard;

/// <summary>
/// The dashboard: a live map, a flights list, a flight page and the health panel (static pages embedded in
/// this assembly), and the read-only JSON endpoints under <c>/api</c> they load.
/// </summary>
public static class DashboardExtensions
{
    /// <summary>
    /// The dashboard's services and the health check. Needs the data source from <c>AddFlightsStorage</c>
    /// (the dashboard never writes).
    /// </summary>
    public static IServiceCollection AddFlightsDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFlightsHealth(configuration);
        services.TryAddSingleton<DashboardQueries>();
        return services;
    }

    /// <summary>Serves the pages at <c>/</c> and the endpoints under <c>/api</c>.</summary>
    public static WebApplication MapFlightsDashboard(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardExtensions).Assembly, "Flights.Dashboard.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        var api = app.MapGroup("/api");
        api.MapGet("/live", async (DashboardQueries queries, CancellationToken ct) => Results.Json(await queries.LiveGeoJsonAsync(ct)));
        api.MapGet("/flights", async (DashboardQueries queries, string? callsign, string? aircraft, string? country, int? limit, CancellationToken ct) =>
            Results.Json(await queries.FlightsAsync(callsign, aircraft, country, limit ?? 200, ct)));
        api.MapGet("/flights/{id:long}", async (DashboardQueries queries, long id, CancellationToken ct) =>
            await queries.FlightAsync(id, ct) is { } flight ? Results.Json(flight) : Results.NotFound());
        api.MapGet("/aircraft/{icao24}/route", async (DashboardQueries queries, string icao24, CancellationToken ct) =>
            await queries.AircraftRouteAsync(icao24, ct) is { } route ? Results.Json(route) : Results.NotFound());
        api.MapGet("/health", async (PipelineHealthService health, CancellationToken ct) =>
        {
            var report = await health.GetAsync(ct);
            return Results.Text(PipelineHealthJson.Serialize(report), "application/json", System.Text.Encoding.UTF8,
                report.Status == HealthStatus.Down ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        });
        return app;
    }
}
