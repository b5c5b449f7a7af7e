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
    /// The policy every response carries. The pages load only their own files (no inline script or style, no
    /// eval); the one exception is the optional OpenStreetMap tile layer the map page can switch on. Data shown
    /// on the pages comes from OpenSky and imported CSVs, so a value that slips past the escaping still cannot
    /// run script.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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

    /// <summary>Serves the pages at <c>/</c> and the endpoints under <c>/api</c>, every response with the security headers.</summary>
    public static WebApplication MapFlightsDashboard(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate it
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });

        var files = new EmbeddedFileProvider(typeof(DashboardExtensions).Assembly, "Flights.Dashboard.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        // Parameters arrive as strings and are checked here (DashboardParameters), so input the API cannot use
        // answers 400 with its reason instead of failing in binding or in PostgreSQL (a NUL in a text parameter).
        var api = app.MapGroup("/api");
        api.MapGet("/live", async (DashboardQueries queries, CancellationToken ct) => Results.Json(await queries.LiveGeoJsonAsync(ct)));
        api.MapGet("/flights", async (DashboardQueries queries, string? callsign, string? aircraft, string? country, string? airport, string? limit, CancellationToken ct) =>
        {
            if (DashboardParameters.FlightsFilter(callsign, aircraft, country, airport, limit, out var filter) is { } error)
            {
                return BadRequest(error);
            }

            return Results.Json(await queries.FlightsAsync(filter, ct));
        });
        api.MapGet("/flights/{id}", async (DashboardQueries queries, string id, CancellationToken ct) =>
        {
            if (DashboardParameters.FlightId(id, out var flightId) is { } error)
            {
                return BadRequest(error);
            }

            return await queries.FlightAsync(flightId, ct) is { } flight ? Results.Json(flight) : NotFound("no flight " + flightId);
        });
        api.MapGet("/emergencies", async (DashboardQueries queries, CancellationToken ct) => Results.Json(await queries.EmergenciesAsync(ct)));
        api.MapGet("/aircraft/{icao24}/route", async (DashboardQueries queries, string icao24, CancellationToken ct) =>
        {
            if (DashboardParameters.Icao24(icao24, out var transponder) is { } error)
            {
                return BadRequest(error);
            }

            return await queries.AircraftRouteAsync(transponder, ct) is { } route ? Results.Json(route) : NotFound("no flight of aircraft " + transponder);
        });
        api.MapGet("/health", async (PipelineHealthService health, CancellationToken ct) =>
        {
            var report = await health.GetAsync(ct);
            return Results.Text(PipelineHealthJson.Serialize(report), "application/json", System.Text.Encoding.UTF8,
                report.Status == HealthStatus.Down ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        });
        return app;
    }

    private static IResult BadRequest(string reason) => Results.Json(new { error = reason }, statusCode: StatusCodes.Status400BadRequest);

    private static IResult NotFound(string reason) => Results.Json(new { error = reason }, statusCode: StatusCodes.Status404NotFound);
}
