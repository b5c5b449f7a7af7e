using Flights.Core.Ingestion;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Monitoring;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core;

/// <summary>
/// One registration per capability. The Functions app and the local host call the same ones, so both run
/// the same code with the same settings.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>PostgreSQL: the data source (from <c>ConnectionStrings__Flights</c>), migrations as the owner (<c>ConnectionStrings__FlightsOwner</c>, else the same) and migrate-at-start.</summary>
    public static IServiceCollection AddFlightsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.SectionName));
        services.TryAddSingleton(_ =>
        {
            var connectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings__Flights is not set: give the PostgreSQL connection string (./setup.sh db start prints one for a local server).");
            }

            return new NpgsqlDataSourceBuilder(connectionString) { Name = "flights" }.Build();
        });
        // The migrations run as the owner of the tables; without an owner's connection string the one role does everything.
        services.TryAddKeyedSingleton(DatabaseOptions.OwnerConnectionStringName, (sp, _) =>
        {
            var owner = configuration.GetConnectionString(DatabaseOptions.OwnerConnectionStringName);
            return string.IsNullOrWhiteSpace(owner)
                ? sp.GetRequiredService<NpgsqlDataSource>()
                : new NpgsqlDataSourceBuilder(owner) { Name = "flights-owner" }.Build();
        });
        services.TryAddSingleton(sp => new MigrationRunner(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseOptions.OwnerConnectionStringName),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<MigrationRunner>>(),
            configuration.GetSection(AirportOptions.SectionName).GetValue(nameof(AirportOptions.LoadBuiltIn), true)));
        services.AddHostedService<MigrateAtStartService>();
        return services;
    }

    /// <summary>Kafka: the process's producer, the state publisher and the dead-letter sink.</summary>
    public static IServiceCollection AddFlightsKafka(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<KafkaProducer>();
        services.TryAddSingleton<StatePublisher>();
        services.TryAddSingleton<IDeadLetterSink, KafkaDeadLetterSink>();
        return services;
    }

    /// <summary>Ingestion: the OpenSky client (with its credit rules) and the fetch tick that publishes snapshots.</summary>
    public static IServiceCollection AddFlightsIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOpenSky(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<IStatePublisher>(sp => sp.GetRequiredService<StatePublisher>());
        services.TryAddSingleton<IFetchStatusStore, PostgresFetchStatusStore>();
        services.TryAddSingleton<FetchStatesJob>();
        return services;
    }

    /// <summary>Processing and lifecycle: cleaning, the session rules, the smart write, the batch processor, the closer and the metrics.</summary>
    public static IServiceCollection AddFlightsProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SessionOptions>().Bind(configuration.GetSection(SessionOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.RoutePointInterval > TimeSpan.Zero && o.FlightEndThreshold > TimeSpan.Zero && o.LandingConfirmation > TimeSpan.Zero && o.MaxClockSkew >= TimeSpan.Zero,
                "Sessions: RoutePointInterval, FlightEndThreshold and LandingConfirmation must be positive durations (hh:mm:ss), MaxClockSkew not negative")
            .ValidateOnStart();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton(sp => new SessionRules(sp.GetRequiredService<IOptions<SessionOptions>>().Value));
        services.AddFlightIntelligence(configuration);
        services.TryAddSingleton<SmartWriter>();
        services.TryAddSingleton<StateBatchProcessor>();
        services.TryAddSingleton<StaleFlightCloser>();
        return services;
    }

    /// <summary>Flight intelligence (issue 16): the airports catalogue and rules, implausible positions, emergency squawks.</summary>
    private static IServiceCollection AddFlightIntelligence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AirportOptions>().Bind(configuration.GetSection(AirportOptions.SectionName))
            .Validate(o => o.GroundRadiusKm > 0 && o.LowRadiusKm > 0 && o.LowHeightM > 0 && o.VerticalRateToleranceMs >= 0 && o.RefreshInterval >= TimeSpan.Zero && o.TypeSet().Count > 0,
                "Airports: GroundRadiusKm, LowRadiusKm and LowHeightM must be positive, VerticalRateToleranceMs and RefreshInterval not negative, Types a comma-separated list of OurAirports types")
            .ValidateOnStart();
        services.AddOptions<PositionOptions>().Bind(configuration.GetSection(PositionOptions.SectionName))
            .Validate(o => o.MaxSpeedKmh > 0 && (o.AcceptAfterGap is null || o.AcceptAfterGap > TimeSpan.Zero),
                "Positions: MaxSpeedKmh must be positive, AcceptAfterGap a positive duration (hh:mm:ss) or unset")
            .ValidateOnStart();
        services.TryAddSingleton(sp => FlightIntelligence.Create(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<SessionOptions>>().Value,
            sp.GetRequiredService<IOptions<AirportOptions>>().Value,
            sp.GetRequiredService<IOptions<PositionOptions>>().Value));
        return services;
    }
}
