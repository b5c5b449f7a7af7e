using Flights.Core.OpenSky;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Flights.Tests.Integration.OpenSky;

public sealed class OpenSkyClientTests : IAsyncLifetime
{
    private const string OneState =
        """{"time":1774008000,"states":[["4b1815","SWR123  ","Switzerland",1774007999,1774008000,8.5,47.4,10972,false,230.5,45.1,0,null,11277.6,"1000",false,0,6]]}""";

    private static readonly DateTimeOffset Noon = new(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);

    private readonly ListLoggerProvider _logs = new();
    private ScriptedOpenSky _server = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _server = await ScriptedOpenSky.StartAsync();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    [Fact]
    public async Task An_anonymous_call_sends_box_and_extended_without_authorization_and_returns_the_snapshot()
    {
        var time = new FakeTimeProvider(Noon);
        _server.OnStates(Answer.Json(OneState, ("X-Rate-Limit-Remaining", "400")));
        var client = Client(time, new() { ["OpenSky:BoundingBox"] = "45.8389,5.9962,47.8229,10.5226", ["OpenSky:Extended"] = "true" });

        var result = await client.FetchStatesAsync(CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("GET", ScriptedOpenSky.StatesPath), (request.Method, request.Path));
        Assert.Equal("?lamin=45.8389&lomin=5.9962&lamax=47.8229&lomax=10.5226&extended=1", request.Query);
        Assert.Null(request.Authorization);
        Assert.False(result.Skipped);
        Assert.Null(result.SkipReason);
        Assert.Equal(1774008000, result.Snapshot!.Time);
        Assert.Equal(
            new StateVector("4b1815", "SWR123", "Switzerland", 1774007999, 1774008000, 8.5, 47.4, 10972, false, 230.5, 45.1, 0, 11277.6, "1000", false, 0, 6),
            Assert.Single(result.Snapshot.States));
        Assert.Equal(400, result.CreditsRemaining);

        // A box under 25 square degrees costs 1 credit: 400 calls for the 12 h to midnight UTC, one every 108 s.
        Assert.Equal(Noon.AddSeconds(108), result.NextCallAt);
    }

    [Fact]
    public async Task A_call_before_the_next_allowed_time_is_skipped_without_a_request()
    {
        var time = new FakeTimeProvider(Noon);
        _server.OnStates(Answer.Json(OneState, ("X-Rate-Limit-Remaining", "396")));
        var client = Client(time);
        await client.FetchStatesAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(15));
        var result = await client.FetchStatesAsync(CancellationToken.None);

        Assert.True(result.Skipped);
        Assert.Single(_server.Requests);
        Assert.Equal(396, result.CreditsRemaining);

        // A global call costs 4: 99 calls left for 12 h, one every 436.36 s.
        Assert.Equal(Noon + (TimeSpan.FromHours(12) / 99), result.NextCallAt);
        Assert.StartsWith("spreading 396 credit(s) at 4 per call until the daily reset", result.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_fetched_once_sent_as_bearer_and_refreshed_30_seconds_before_it_expires()
    {
        var time = new FakeTimeProvider(Noon);
        _server.OnToken(Answer.Token("token-1"), Answer.Token("token-2"));

        // Plenty of credits, so only the 1 s minimum interval spaces the calls.
        var plenty = ("X-Rate-Limit-Remaining", "1000000");
        _server.OnStates(Answer.Json(OneState, plenty), Answer.Json(OneState, plenty), Answer.Json(OneState, plenty));
        var client = Client(time, new()
        {
            ["OpenSky:ClientId"] = "me-api-client",
            ["OpenSky:ClientSecret"] = "s3cret/+&=",
            ["OpenSky:MinInterval"] = "00:00:01",
        });

        await client.FetchStatesAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1769));
        await client.FetchStatesAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));
        var last = await client.FetchStatesAsync(CancellationToken.None);

        Assert.False(last.Skipped);
        Assert.Equal(
            [
                ("POST", ScriptedOpenSky.TokenPath, null),
                ("GET", ScriptedOpenSky.StatesPath, "Bearer token-1"),
                ("GET", ScriptedOpenSky.StatesPath, "Bearer token-1"),
                ("POST", ScriptedOpenSky.TokenPath, null),
                ("GET", ScriptedOpenSky.StatesPath, "Bearer token-2"),
            ],
            _server.Requests.Select(r => (r.Method, r.Path, r.Authorization)));
        Assert.Equal(
            "grant_type=client_credentials&client_id=me-api-client&client_secret=s3cret%2F%2B%26%3D",
            _server.Requests[0].Body);
    }

    [Fact]
    public async Task Credentials_come_from_the_credentials_file_when_one_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), $"opensky-credentials-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{"clientId":"file-client","clientSecret":"file-secret"}""");
        try
        {
            _server.OnToken(Answer.Token("token-f"));
            _server.OnStates(Answer.Json(OneState));
            var client = Client(new FakeTimeProvider(Noon), new() { ["OpenSky:CredentialsFile"] = path });

            await client.FetchStatesAsync(CancellationToken.None);

            Assert.Equal("grant_type=client_credentials&client_id=file-client&client_secret=file-secret", _server.Requests[0].Body);
            Assert.Equal("Bearer token-f", _server.Requests[1].Authorization);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_401_gets_one_fresh_token_and_one_more_try()
    {
        _server.OnToken(Answer.Token("revoked"), Answer.Token("fresh"));
        _server.OnStates(Answer.Status(401), Answer.Json(OneState));
        var client = Client(new FakeTimeProvider(Noon), Credentials);

        var result = await client.FetchStatesAsync(CancellationToken.None);

        Assert.Equal(1774008000, result.Snapshot!.Time);
        Assert.Equal(
            [
                ("POST", ScriptedOpenSky.TokenPath, null),
                ("GET", ScriptedOpenSky.StatesPath, "Bearer revoked"),
                ("POST", ScriptedOpenSky.TokenPath, null),
                ("GET", ScriptedOpenSky.StatesPath, "Bearer fresh"),
            ],
            _server.Requests.Select(r => (r.Method, r.Path, r.Authorization)));
    }

    [Fact]
    public async Task A_401_with_a_fresh_token_is_an_authentication_error()
    {
        _server.OnToken(Answer.Token("one"), Answer.Token("two"));
        _server.OnStates(Answer.Status(401), Answer.Status(401));
        var client = Client(new FakeTimeProvider(Noon), Credentials);

        var error = await Assert.ThrowsAsync<OpenSkyAuthenticationException>(() => client.FetchStatesAsync(CancellationToken.None));

        Assert.Equal(4, _server.Requests.Count);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(
            $"OpenSky rejected a freshly issued access token (HTTP 401) at {_server.BaseUrl}states/all; check OpenSky__ClientId and OpenSky__ClientSecret (or OpenSky__CredentialsFile) and that the API client is enabled on the account page.",
            error.Message);
    }

    [Fact]
    public async Task Rejected_client_credentials_are_an_authentication_error_and_no_states_are_requested()
    {
        _server.OnToken(Answer.Status(
            401,
            """{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}"""));
        var client = Client(new FakeTimeProvider(Noon), Credentials);

        var error = await Assert.ThrowsAsync<OpenSkyAuthenticationException>(() => client.FetchStatesAsync(CancellationToken.None));

        Assert.Equal(ScriptedOpenSky.TokenPath, Assert.Single(_server.Requests).Path);
        Assert.Equal(
            $"OpenSky token endpoint {_server.TokenUrl} rejected the client credentials (HTTP 401: invalid_client: Invalid client or Invalid client credentials); check OpenSky__ClientId and OpenSky__ClientSecret (or the file named by OpenSky__CredentialsFile).",
            error.Message);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_skips_every_call_until_its_retry_after_and_is_logged_once()
    {
        var time = new FakeTimeProvider(Noon);
        _server.OnStates(
            Answer.Status(429, "Too many requests", ("X-Rate-Limit-Retry-After-Seconds", "3600")),
            Answer.Json(OneState, ("X-Rate-Limit-Remaining", "4")));
        var client = Client(time);

        var limited = await client.FetchStatesAsync(CancellationToken.None);
        var ticks = new List<OpenSkyFetchResult>();
        for (int tick = 1; tick < 240; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(15));
            ticks.Add(await client.FetchStatesAsync(CancellationToken.None));
        }

        time.Advance(TimeSpan.FromSeconds(15));
        var after = await client.FetchStatesAsync(CancellationToken.None);

        Assert.True(limited.Skipped);
        Assert.Equal(Noon.AddHours(1), limited.NextCallAt);
        Assert.Equal(0, limited.CreditsRemaining);
        Assert.Equal("credits spent (HTTP 429): OpenSky allows the next call at 2026-03-20 13:00:00Z", limited.SkipReason);
        Assert.All(ticks, t => Assert.True(t.Skipped));
        Assert.All(ticks, t => Assert.Equal(Noon.AddHours(1), t.NextCallAt));
        Assert.False(after.Skipped);
        Assert.Equal(2, _server.Requests.Count);
        var warning = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(
            "OpenSky credits are spent (HTTP 429): no call before 2026-03-20 13:00:00Z (retry-after 3600 s). OpenSky said: Too many requests",
            warning.Message);
    }

    [Fact]
    public async Task A_503_is_retried_within_the_call_and_the_call_succeeds()
    {
        _server.OnStates(Answer.Status(503, "Service Unavailable"), Answer.Json(OneState));
        var client = Client(time: null);

        var result = await client.FetchStatesAsync(CancellationToken.None);

        Assert.Equal(1774008000, result.Snapshot!.Time);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_429_is_not_retried_by_the_resilience_handler()
    {
        _server.OnStates(Answer.Status(429, "Too many requests", ("X-Rate-Limit-Retry-After-Seconds", "60")));
        var client = Client(time: null);

        var result = await client.FetchStatesAsync(CancellationToken.None);

        Assert.True(result.Skipped);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_persistent_500_is_unavailable_after_the_retries()
    {
        _server.OnStates(Answer.Status(500), Answer.Status(500), Answer.Status(500));
        var client = Client(time: null);

        var error = await Assert.ThrowsAsync<OpenSkyUnavailableException>(() => client.FetchStatesAsync(CancellationToken.None));

        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(
            $"OpenSky unreachable at {_server.BaseUrl}states/all: HTTP 500 Internal Server Error; will retry at next tick",
            error.Message);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_unavailable()
    {
        _server.OnStates(Answer.Hang(), Answer.Hang(), Answer.Hang());
        var client = Client(time: null, new() { ["OpenSky:RequestTimeout"] = "00:00:00.300" });

        var error = await Assert.ThrowsAsync<OpenSkyUnavailableException>(() => client.FetchStatesAsync(CancellationToken.None));

        Assert.Equal(3, _server.Requests.Count);
        Assert.Null(error.StatusCode);
        Assert.Equal(new Uri(_server.BaseUrl, "states/all"), error.Endpoint);
        Assert.Equal(
            $"OpenSky unreachable at {_server.BaseUrl}states/all: timed out (0.3 s per attempt, 2 retries); will retry at next tick",
            error.Message);
    }

    [Fact]
    public async Task A_malformed_body_is_a_format_error()
    {
        const string Body = """{"time":1,"states":[["abc",null,null,1,2,"x"]]}""";
        _server.OnStates(Answer.Json(Body));
        var client = Client(new FakeTimeProvider(Noon));

        var error = await Assert.ThrowsAsync<OpenSkyFormatException>(() => client.FetchStatesAsync(CancellationToken.None));

        Assert.Equal(Body.IndexOf("\"x\"", StringComparison.Ordinal), error.BytePosition);
        Assert.Contains("state 0 field 5 (longitude): expected number or null, got String", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Credentials => new()
    {
        ["OpenSky:ClientId"] = "me-api-client",
        ["OpenSky:ClientSecret"] = "s3cret",
    };

    private IOpenSkyClient Client(TimeProvider? time, Dictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["OpenSky:BaseUrl"] = _server.BaseUrl.ToString(),
            ["OpenSky:TokenUrl"] = _server.TokenUrl.ToString(),
            ["OpenSky:RequestTimeout"] = "00:00:05",
            ["OpenSky:MaxRetries"] = "2",
            ["OpenSky:RetryDelay"] = "00:00:00.010",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        _services = services
            .AddOpenSky(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider(validateScopes: true);
        _services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        return _services.GetRequiredService<IOpenSkyClient>();
    }
}
