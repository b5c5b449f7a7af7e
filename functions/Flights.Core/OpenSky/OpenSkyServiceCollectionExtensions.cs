using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Flights.Core.OpenSky;

/// <summary>Registers the OpenSky client and what it needs.</summary>
public static class OpenSkyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IOpenSkyClient"/> (typed HttpClient with the standard resilience handler), its
    /// options bound from the section <c>OpenSky</c> of <paramref name="configuration"/> and validated at start,
    /// the token provider, the <see cref="CreditPlanner"/> (singleton) and <see cref="TimeProvider.System"/> unless
    /// a <see cref="TimeProvider"/> is registered already.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The root configuration holding the <c>OpenSky</c> section.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddOpenSky(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<OpenSkyOptions>()
            .Bind(configuration.GetSection(OpenSkyOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenSkyOptions>, OpenSkyOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CreditPlanner>();
        services.TryAddSingleton<OpenSkyTokenProvider>();

        services.AddHttpClient(OpenSkyTokenProvider.HttpClientName, ConfigureHttpClient)
            .AddStandardResilienceHandler()
            .Configure(ConfigureResilience);

        services.AddHttpClient<IOpenSkyClient, OpenSkyClient>(ConfigureHttpClient)
            // A global response is ~2.4 MB of JSON; compressed it is a fraction of that.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All })
            .AddStandardResilienceHandler()
            .Configure(ConfigureResilience);

        return services;
    }

    private static void ConfigureHttpClient(HttpClient client)
    {
        // The resilience handler's timeouts govern; HttpClient's own 100 s would cut a retrying call short.
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Flights/1.0 (+opensky states poller)");
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions resilience, IServiceProvider services)
    {
        OpenSkyOptions options;
        try
        {
            options = services.GetRequiredService<IOptions<OpenSkyOptions>>().Value;
        }
        catch (OptionsValidationException)
        {
            // The OpenSky options' own start validation reports the problem; defaults here keep the
            // resilience options (validated at start too) from repeating it once per HttpClient.
            options = new OpenSkyOptions();
        }

        resilience.AttemptTimeout.Timeout = options.RequestTimeout;

        resilience.Retry.MaxRetryAttempts = options.MaxRetries;
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = options.RetryDelay;
        resilience.Retry.MaxDelay = options.RetryDelay * 8;

        // A 503 with Retry-After: 3600 must not hold the timer for an hour; the next tick retries anyway.
        resilience.Retry.ShouldRetryAfterHeader = false;

        // 429 means the credits are spent: retrying would only be refused again. CreditPlanner owns it.
        resilience.Retry.ShouldHandle = args => ValueTask.FromResult(IsTransientNot429(args.Outcome));
        resilience.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(IsTransientNot429(args.Outcome));

        // The standard handler's validator wants these: total >= all attempts and delays; sampling >= 2 attempts.
        TimeSpan attempts = options.RequestTimeout * (options.MaxRetries + 1);
        TimeSpan delays = resilience.Retry.MaxDelay.Value * options.MaxRetries;
        resilience.TotalRequestTimeout.Timeout = attempts + delays + TimeSpan.FromSeconds(1);
        TimeSpan sampling = options.RequestTimeout * 2;
        if (resilience.CircuitBreaker.SamplingDuration < sampling)
        {
            resilience.CircuitBreaker.SamplingDuration = sampling;
        }
    }

    private static bool IsTransientNot429(Outcome<HttpResponseMessage> outcome)
        => outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(outcome);
}
