using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Core.OpenSky;

/// <summary>
/// Typed HttpClient for <c>/api/states/all</c>. Transient failures are retried inside the HttpClient by the
/// standard resilience handler; 429 is not retried there because <see cref="CreditPlanner"/> owns it.
/// </summary>
internal sealed class OpenSkyClient : IOpenSkyClient
{
    private const string RemainingHeader = "X-Rate-Limit-Remaining";
    private const string RetryAfterHeader = "X-Rate-Limit-Retry-After-Seconds";

    private readonly HttpClient _http;
    private readonly OpenSkyTokenProvider _tokens;
    private readonly CreditPlanner _planner;
    private readonly OpenSkyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenSkyClient> _logger;
    private readonly Uri _statesUrl;

    public OpenSkyClient(
        HttpClient http,
        OpenSkyTokenProvider tokens,
        CreditPlanner planner,
        IOptions<OpenSkyOptions> options,
        TimeProvider timeProvider,
        ILogger<OpenSkyClient> logger)
    {
        _http = http;
        _tokens = tokens;
        _planner = planner;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        _statesUrl = StatesUrl(_options);
    }

    /// <summary>The states URL with the box and <c>extended=1</c> as configured.</summary>
    internal static Uri StatesUrl(OpenSkyOptions options)
    {
        var query = new List<string>(2);
        if (BoundingBox.TryParse(options.BoundingBox, out var box, out _))
        {
            query.Add(box.ToQueryString());
        }

        if (options.Extended)
        {
            query.Add("extended=1");
        }

        // Resolved against a base that ends in '/', so ".../api" keeps its last segment.
        string baseUrl = options.BaseUrl.AbsoluteUri;
        var root = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
        string relative = query.Count == 0 ? "states/all" : "states/all?" + string.Join('&', query);
        return new Uri(root, relative);
    }

    public async Task<OpenSkyFetchResult> FetchStatesAsync(CancellationToken cancellationToken)
    {
        if (!_planner.TryBeginCall(out string? skipReason))
        {
            _logger.Skipped(skipReason, _planner.NextCallAt);
            return new OpenSkyFetchResult(null, _planner.CreditsRemaining, _planner.NextCallAt, skipReason);
        }

        long started = _time.GetTimestamp();
        using HttpResponseMessage response = await SendAuthorizedAsync(cancellationToken);

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            long? retryAfterSeconds = LongHeader(response, RetryAfterHeader);
            DateTimeOffset nextCallAt = _planner.RecordRateLimited(
                retryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);

            // The 429 body is plain text, not JSON.
            string body = await ReadTextAsync(response, cancellationToken);
            _logger.RateLimited(nextCallAt, retryAfterSeconds, body);
            return new OpenSkyFetchResult(null, 0, nextCallAt, $"credits spent (HTTP 429): OpenSky allows the next call at {nextCallAt:u}");
        }

        if (!response.IsSuccessStatusCode)
        {
            string body = await ReadTextAsync(response, cancellationToken);
            string detail = body.Length == 0 ? string.Empty : $" ({body})";
            throw new OpenSkyUnavailableException(
                $"OpenSky unreachable at {_statesUrl}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}{detail}; will retry at next tick",
                _statesUrl,
                response.StatusCode);
        }

        // The call has cost its credits whether or not the body turns out to be well-formed.
        int? remaining = LongHeader(response, RemainingHeader) is { } header ? (int)Math.Clamp(header, 0, int.MaxValue) : null;
        _planner.RecordSuccess(remaining);

        byte[] json;
        try
        {
            json = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception ex) when (OpenSkyTokenProvider.IsTransportFailure(ex, cancellationToken) || ex is IOException)
        {
            throw Unavailable(ex);
        }

        StatesSnapshot snapshot = StatesParser.Parse(json);
        _logger.Fetched(
            snapshot.States.Count, snapshot.Time, _time.GetElapsedTime(started).TotalMilliseconds, _planner.CreditsRemaining, _planner.NextCallAt);
        return new OpenSkyFetchResult(snapshot, _planner.CreditsRemaining, _planner.NextCallAt, null);
    }

    private async Task<HttpResponseMessage> SendAuthorizedAsync(CancellationToken cancellationToken)
    {
        string? token = await _tokens.GetTokenAsync(rejectedToken: null, cancellationToken);
        HttpResponseMessage response = await SendAsync(token, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        if (token is null)
        {
            throw new OpenSkyAuthenticationException(
                $"OpenSky answered 401 Unauthorized to an anonymous request at {_statesUrl}; configure OpenSky__ClientId and OpenSky__ClientSecret (or OpenSky__CredentialsFile).",
                _statesUrl,
                HttpStatusCode.Unauthorized);
        }

        // Tokens can be revoked before they expire: one fresh token, one more try.
        _logger.RefreshingAfterUnauthorized();
        token = await _tokens.GetTokenAsync(rejectedToken: token, cancellationToken);
        response = await SendAsync(token, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new OpenSkyAuthenticationException(
                $"OpenSky rejected a freshly issued access token (HTTP 401) at {_statesUrl}; check OpenSky__ClientId and OpenSky__ClientSecret (or OpenSky__CredentialsFile) and that the API client is enabled on the account page.",
                _statesUrl,
                HttpStatusCode.Unauthorized);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendAsync(string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _statesUrl);
        request.SetBearer(token);
        try
        {
            return await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (OpenSkyTokenProvider.IsTransportFailure(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
    }

    private OpenSkyUnavailableException Unavailable(Exception ex) => new(
        $"OpenSky unreachable at {_statesUrl}: {OpenSkyTokenProvider.DescribeFailure(ex, _options)}; will retry at next tick",
        _statesUrl,
        innerException: ex);

    private static async Task<string> ReadTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        return text.Length <= 200 ? text : text[..200];
    }

    private static long? LongHeader(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
                ? value
                : null;
}
