using Flights.Core.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Flights.Dashboard.Telemetry;

/// <summary>OpenTelemetry metrics of the <c>Flights.Pipeline</c> meter for an ASP.NET Core host.</summary>
public static class TelemetryExtensions
{
    /// <summary>
    /// Metrics of the pipeline meter (counters, and the health gauges refreshed every
    /// <see cref="HealthOptions.GaugeRefreshInterval"/>), exported for a Prometheus scrape (map it with
    /// <see cref="MapFlightsPrometheus"/>) and pushed by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IServiceCollection AddFlightsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFlightsHealth(configuration);
        services.AddHostedService<HealthGaugeRefresher>();
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("flights"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineMetrics.MeterName).AddPrometheusExporter();
                if (otlp)
                {
                    // The exporter reads the endpoint, protocol and headers from the OTEL_EXPORTER_OTLP_* variables itself.
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>The Prometheus scrape endpoint, <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapFlightsPrometheus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint();
        return endpoints;
    }
}

/// <summary>Runs the health check periodically so the health gauges stay current between scrapes.</summary>
internal sealed partial class HealthGaugeRefresher(PipelineHealthService health, IOptions<HealthOptions> options, ILogger<HealthGaugeRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.GaugeRefreshInterval);
        do
        {
            // The check reports outages in its result; anything it throws is a bug, logged so the host keeps serving.
            try
            {
                await health.GetAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check for the gauges failed")]
    private partial void LogFailed(Exception ex);
}
