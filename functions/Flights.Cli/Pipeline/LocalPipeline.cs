using Flights.Cli.Hosting;
using Flights.Core;
using Flights.Core.Monitoring;
using Flights.Dashboard;
using Flights.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flights.Cli.Pipeline;

/// <summary>The jobs of `flights run` and `flights replay`, registered on a CLI host.</summary>
public static class LocalPipeline
{
    /// <summary>
    /// The consumer and the progress line; with <paramref name="fetchAndClose"/> also the closer's schedule and,
    /// unless <paramref name="fetch"/> is false, the fetch schedule.
    /// </summary>
    public static void AddPipeline(this CliHost host, TextWriter output, bool fetchAndClose, bool fetch = true)
    {
        var services = host.Builder.Services;
        services.AddSingleton<StateConsumerService>();
        services.AddHostedService(sp => sp.GetRequiredService<StateConsumerService>());
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ProgressReporter>(sp, output));
        services.AddHostedService(sp => sp.GetRequiredService<ProgressReporter>());
        if (fetchAndClose && fetch)
        {
            services.AddFlightsIngestion(host.Configuration);
            services.AddHostedService<FetchLoopService>();
        }

        if (fetchAndClose)
        {
            services.AddHostedService<CloseLoopService>();
        }
    }

    /// <summary>The read-only dashboard, /api/health and the Prometheus endpoint (only on a web host).</summary>
    public static void AddDashboard(this CliHost host)
    {
        host.Builder.Services.AddFlightsHealth(host.Configuration);
        host.Builder.Services.AddFlightsDashboard(host.Configuration);
        host.Builder.Services.AddFlightsTelemetry(host.Configuration);
    }

    /// <summary>Maps the dashboard's pages and endpoints on a host built with <see cref="AddDashboard"/>.</summary>
    public static void MapDashboard(this IHost app)
    {
        var web = (WebApplication)app;
        web.MapFlightsDashboard();
        web.MapFlightsPrometheus();
    }
}
