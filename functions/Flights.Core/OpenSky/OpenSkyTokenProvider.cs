using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Flights.Core.OpenSky;

/// <summary>
/// Obtains and caches the OAuth2 access token of the client-credentials flow. Singleton: one token serves
/// every call until shortly before it expires. Returns null for anonymous access.
/// </summary>
internal sealed class OpenSkyTokenProvider : IDisposable
{
    /// <summary>Name of the HttpClient used for the token endpoint.</summary>
    public const string HttpClientName = "OpenSky.Token";

    // Refreshing early keeps a token from expiring between the check and OpenSky's own check.
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(30);

    // Keycloak always sends expires_in; if a proxy strips it, a short life is the safe guess.
    private static readonly TimeSpan AssumedLifetime = TimeSpan.FromMinutes(5);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly OpenSkyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenSkyTokenProvider> _logger;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly Lazy<OpenSkyCredentials?> _credentials;
    // One immutable reference, so a reader outside the lock sees a token and its refresh time together.
    private CachedToken? _cached;

    public OpenSkyTokenProvider(
        IHttpClientFactory httpClientFactory,
        IOptions<OpenSkyOptions> options,
        TimeProvider timeProvider,
        ILogger<OpenSkyTokenProvider> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        // PublicationOnly: a credentials file that cannot be read now is read again on the next call.
        _credentials = new Lazy<OpenSkyCredentials?>(
            () =>
            {
                var credentials = OpenSkyCredentials.Resolve(_options, out string? error);
                return error is null ? credentials : throw new InvalidOperationException(error);
            },
            LazyThreadSafetyMode.PublicationOnly);
    }

    /// <summary>True when no credentials are configured.</summary>
    public bool IsAnonymous => !_options.IsAuthenticated;

    /// <summary>
    /// Returns a token valid for at least the refresh margin, fetching one when needed; null when anonymous.
    /// </summary>
    /// <param name="rejectedToken">A token OpenSky just answered 401 to: it is replaced even if not yet due.</param>
    /// <param name="cancellationToken">Stops the token request.</param>
    public async ValueTask<string?> GetTokenAsync(string? rejectedToken, CancellationToken cancellationToken)
    {
        if (IsAnonymous)
        {
            return null;
        }

        if (Usable(Volatile.Read(ref _cached), rejectedToken) is { } cached)
        {
            return cached;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have refreshed while this one waited.
            if (Usable(_cached, rejectedToken) is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            (string token, TimeSpan lifetime) = await RequestTokenAsync(cancellationToken);
            Volatile.Write(ref _cached, new CachedToken(token, _time.GetUtcNow() + lifetime - RefreshMargin));
            _logger.TokenAcquired((long)lifetime.TotalSeconds);
            return token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    private string? Usable(CachedToken? cached, string? rejectedToken)
        => cached is not null && cached.Token != rejectedToken && _time.GetUtcNow() < cached.RefreshAt ? cached.Token : null;

    private async Task<(string Token, TimeSpan Lifetime)> RequestTokenAsync(CancellationToken cancellationToken)
    {
        OpenSkyCredentials credentials = _credentials.Value
            ?? throw new InvalidOperationException("OpenSky credentials are configured but empty.");
        Uri url = _options.TokenUrl;
        using var form = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", credentials.ClientId),
            new("client_secret", credentials.ClientSecret),
        ]);

        HttpClient http = _httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(url, form, cancellationToken);
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
        {
            throw new OpenSkyUnavailableException(
                $"OpenSky token endpoint unreachable at {url}: {DescribeFailure(ex, _options)}; will retry at next tick", url, innerException: ex);
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
            {
                throw new OpenSkyAuthenticationException(
                    $"OpenSky token endpoint {url} rejected the client credentials (HTTP {(int)response.StatusCode}: {OAuthError(body)}); "
                    + "check OpenSky__ClientId and OpenSky__ClientSecret (or the file named by OpenSky__CredentialsFile).",
                    url,
                    response.StatusCode);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new OpenSkyUnavailableException(
                    $"OpenSky token endpoint unreachable at {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}; will retry at next tick",
                    url,
                    response.StatusCode);
            }

            return ReadToken(body, url);
        }
    }

    private static (string Token, TimeSpan Lifetime) ReadToken(string body, Uri url)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("access_token", out var token)
                && token.ValueKind == JsonValueKind.String
                && !string.IsNullOrEmpty(token.GetString()))
            {
                TimeSpan lifetime = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt64(out long seconds) && seconds > 0
                    ? TimeSpan.FromSeconds(seconds)
                    : AssumedLifetime;
                return (token.GetString()!, lifetime);
            }
        }
        catch (JsonException)
        {
            // Reported below together with the missing token.
        }

        throw new OpenSkyUnavailableException(
            $"OpenSky token endpoint unreachable at {url}: the answer holds no access_token; will retry at next tick", url, HttpStatusCode.OK);
    }

    // Keycloak answers {"error":"invalid_client","error_description":"..."}; never echo the request (it holds the secret).
    private static string OAuthError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                string? error = document.RootElement.TryGetProperty("error", out var e) ? e.ToString() : null;
                string? description = document.RootElement.TryGetProperty("error_description", out var d) ? d.ToString() : null;
                return string.Join(": ", new[] { error, description }.Where(s => !string.IsNullOrEmpty(s)));
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the plain text.
        }

        return body.Length <= 200 ? body : body[..200];
    }

    internal static bool IsTransportFailure(Exception ex, CancellationToken cancellationToken)
        => ex is HttpRequestException or ExecutionRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    internal static string DescribeFailure(Exception ex, OpenSkyOptions options) => ex switch
    {
        Polly.Timeout.TimeoutRejectedException => string.Create(
            CultureInfo.InvariantCulture,
            $"timed out ({options.RequestTimeout.TotalSeconds:0.###} s per attempt, {options.MaxRetries} retries)"),
        OperationCanceledException => "the request timed out",
        _ => ex.Message,
    };
}

internal sealed record CachedToken(string Token, DateTimeOffset RefreshAt)
{
    // The generated ToString would print the token into any log that formats this record.
    public override string ToString() => $"token refreshing at {RefreshAt:u}";
}

/// <summary>Sets the bearer token on a request.</summary>
internal static class AuthorizationExtensions
{
    public static void SetBearer(this HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }
}
