namespace Flights.Core.OpenSky;

/// <summary>
/// Settings of the OpenSky client, bound from the configuration section <c>OpenSky</c>
/// (environment variables <c>OpenSky__ClientId</c> and so on). Validated at start.
/// </summary>
public sealed class OpenSkyOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "OpenSky";

    /// <summary>Base address of the REST API; <c>states/all</c> is resolved against it.</summary>
    public Uri BaseUrl { get; set; } = new("https://opensky-network.org/api/");

    /// <summary>OAuth2 token endpoint for the client-credentials flow.</summary>
    public Uri TokenUrl { get; set; } = new("https://auth.opensky-network.org/auth/realms/opensky-network/protocol/openid-connect/token");

    /// <summary>OAuth2 client id of an OpenSky API client; with <see cref="ClientSecret"/>, or neither for anonymous access.</summary>
    public string? ClientId { get; set; }

    /// <summary>OAuth2 client secret belonging to <see cref="ClientId"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Path to the <c>credentials.json</c> the OpenSky account page hands out (keys <c>clientId</c>, <c>clientSecret</c>);
    /// an alternative to <see cref="ClientId"/> and <see cref="ClientSecret"/>, not a complement.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Optional box <c>"lamin,lomin,lamax,lomax"</c> in degrees; unset means the whole world (4 credits a call).</summary>
    public string? BoundingBox { get; set; }

    /// <summary>Ask for the aircraft category (18th field) with <c>extended=1</c>.</summary>
    public bool Extended { get; set; }

    /// <summary>NCRONTAB schedule (with seconds) of the timer that polls OpenSky; the credit planner may skip ticks.</summary>
    public string Schedule { get; set; } = "*/15 * * * * *";

    /// <summary>Least time between two calls; unset means 10 s anonymous and 5 s authenticated (OpenSky's time resolution).</summary>
    public TimeSpan? MinInterval { get; set; }

    /// <summary>Time allowed for one HTTP attempt, response body included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries of a transient failure (timeout, 5xx, network) within one call; 1..10.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; later retries back off exponentially with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Credits per UTC day; unset means 400 anonymous and 4,000 authenticated (set 8,000 for an active feeder).</summary>
    public int? DailyCredits { get; set; }

    /// <summary>True when credentials are configured, directly or through <see cref="CredentialsFile"/>.</summary>
    public bool IsAuthenticated => !string.IsNullOrWhiteSpace(ClientId) || !string.IsNullOrWhiteSpace(CredentialsFile);

    /// <summary>The minimum interval in force: <see cref="MinInterval"/> or the default for the access mode.</summary>
    public TimeSpan EffectiveMinInterval => MinInterval ?? TimeSpan.FromSeconds(IsAuthenticated ? 5 : 10);

    /// <summary>The daily allowance in force: <see cref="DailyCredits"/> or the default for the access mode.</summary>
    public int EffectiveDailyCredits => DailyCredits ?? (IsAuthenticated ? 4000 : 400);
}
