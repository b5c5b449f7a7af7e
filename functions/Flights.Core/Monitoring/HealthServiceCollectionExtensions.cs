using Flights.Core.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core.Monitoring;

/// <summary>Registration of the pipeline health check.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// The health check (<see cref="PipelineHealthService"/>) and its thresholds (section <c>Health</c>).
    /// Needs <c>AddFlightsStorage</c> (the data source); uses the <c>Kafka</c> section for the lag, and the
    /// process's <see cref="PipelineMetrics"/> when <c>AddFlightsProcessing</c> registered them.
    /// </summary>
    public static IServiceCollection AddFlightsHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.MaxDataAge >= TimeSpan.Zero && o.KafkaTimeout > TimeSpan.Zero && o.GaugeRefreshInterval > TimeSpan.Zero,
                "Health: PollInterval, KafkaTimeout and GaugeRefreshInterval must be positive durations (hh:mm:ss), MaxDataAge not negative")
            .ValidateOnStart();
        // Binding the section again is harmless when AddFlightsKafka already did; the CLI's status command may not have.
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConsumerLagProbe>();
        services.TryAddSingleton(sp => new PipelineHealthService(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<ConsumerLagProbe>(),
            sp.GetRequiredService<IOptions<HealthOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<PipelineMetrics>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
