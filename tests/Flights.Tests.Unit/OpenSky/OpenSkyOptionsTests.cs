using Flights.Core.OpenSky;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flights.Tests.Unit.OpenSky;

public class OpenSkyOptionsTests
{
    private static IReadOnlyList<string> Failures(OpenSkyOptions options)
        => new OpenSkyOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void The_defaults_are_valid_anonymous_global_polling()
    {
        var options = new OpenSkyOptions();

        Assert.Empty(Failures(options));
        Assert.False(options.IsAuthenticated);
        Assert.Equal(new Uri("https://opensky-network.org/api/"), options.BaseUrl);
        Assert.Equal(new Uri("https://auth.opensky-network.org/auth/realms/opensky-network/protocol/openid-connect/token"), options.TokenUrl);
        Assert.Equal("*/15 * * * * *", options.Schedule);
    }

    [Fact]
    public void A_client_id_without_a_secret_is_rejected()
    {
        Assert.Equal(
            ["OpenSky:ClientId is set but OpenSky:ClientSecret is not; set OpenSky__ClientSecret too, or neither for anonymous access."],
            Failures(new OpenSkyOptions { ClientId = "me-api-client" }));
    }

    [Fact]
    public void A_secret_without_a_client_id_is_rejected()
    {
        Assert.Equal(
            ["OpenSky:ClientSecret is set but OpenSky:ClientId is not; set OpenSky__ClientId too, or neither for anonymous access."],
            Failures(new OpenSkyOptions { ClientSecret = "s3cret" }));
    }

    [Fact]
    public void A_credentials_file_beside_a_client_id_is_rejected()
    {
        var failures = Failures(new OpenSkyOptions { ClientId = "id", ClientSecret = "s", CredentialsFile = "/nowhere/credentials.json" });

        Assert.StartsWith("OpenSky:CredentialsFile and OpenSky:ClientId/ClientSecret are both set", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_credentials_file_is_rejected_naming_the_path()
    {
        var failures = Failures(new OpenSkyOptions { CredentialsFile = "/nowhere/credentials.json" });

        Assert.StartsWith("OpenSky:CredentialsFile /nowhere/credentials.json cannot be read: ", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,2,3", "OpenSky:BoundingBox \"1,2,3\" is invalid: expected four comma-separated numbers \"lamin,lomin,lamax,lomax\", got 3 value(s).")]
    [InlineData("38,x,39,-76", "OpenSky:BoundingBox \"38,x,39,-76\" is invalid: \"x\" is not a number (write decimals with a point: \"lamin,lomin,lamax,lomax\").")]
    [InlineData("50,0,40,10", "OpenSky:BoundingBox \"50,0,40,10\" is invalid: lamin (50) must be less than lamax (40).")]
    [InlineData("0,10,1,5", "OpenSky:BoundingBox \"0,10,1,5\" is invalid: lomin (10) must be less than lomax (5); a box across the antimeridian needs two calls.")]
    [InlineData("89,0,91,1", "OpenSky:BoundingBox \"89,0,91,1\" is invalid: latitudes must lie within -90..90 (got lamin 89, lamax 91).")]
    [InlineData("0,-181,1,0", "OpenSky:BoundingBox \"0,-181,1,0\" is invalid: longitudes must lie within -180..180 (got lomin -181, lomax 0).")]
    public void A_bad_bounding_box_is_rejected_with_the_reason(string box, string failure)
    {
        Assert.Equal([failure], Failures(new OpenSkyOptions { BoundingBox = box }));
    }

    [Fact]
    public void A_bounding_box_parses_in_opensky_order_and_formats_invariantly()
    {
        Assert.True(BoundingBox.TryParse(" 45.8389, 5.9962,47.8229 ,10.5226", out var box, out string? error));

        Assert.Null(error);
        Assert.Equal(new BoundingBox(45.8389, 5.9962, 47.8229, 10.5226), box);
        Assert.Equal("lamin=45.8389&lomin=5.9962&lamax=47.8229&lomax=10.5226", box.ToQueryString());
    }

    [Fact]
    public void Out_of_range_retry_and_timeout_settings_are_rejected()
    {
        var failures = Failures(new OpenSkyOptions
        {
            MaxRetries = 0,
            RequestTimeout = TimeSpan.Zero,
            RetryDelay = TimeSpan.FromMinutes(2),
            MinInterval = TimeSpan.FromSeconds(-1),
            DailyCredits = 0,
            Schedule = " ",
        });

        Assert.Equal(
            [
                "OpenSky:Schedule is empty; give an NCRONTAB expression with seconds, e.g. \"*/15 * * * * *\".",
                "OpenSky:MinInterval must not be negative (got -00:00:01).",
                "OpenSky:RequestTimeout must be positive (got 00:00:00).",
                "OpenSky:MaxRetries must be within 1..10 (got 0).",
                "OpenSky:RetryDelay must be within 0..00:01:00 (got 00:02:00).",
                "OpenSky:DailyCredits must be positive when set (got 0).",
            ],
            failures);
    }

    [Fact]
    public void AddOpenSky_binds_the_OpenSky_section()
    {
        var options = Provider(new()
        {
            ["OpenSky:ClientId"] = "me-api-client",
            ["OpenSky:ClientSecret"] = "s3cret",
            ["OpenSky:BoundingBox"] = "38.25469,-77.96168,39.51589,-76.17943",
            ["OpenSky:Extended"] = "true",
            ["OpenSky:MinInterval"] = "00:00:30",
            ["OpenSky:DailyCredits"] = "8000",
        }).GetRequiredService<IOptions<OpenSkyOptions>>().Value;

        Assert.True(options.IsAuthenticated);
        Assert.True(options.Extended);
        Assert.Equal("38.25469,-77.96168,39.51589,-76.17943", options.BoundingBox);
        Assert.Equal(TimeSpan.FromSeconds(30), options.EffectiveMinInterval);
        Assert.Equal(8000, options.EffectiveDailyCredits);
    }

    [Fact]
    public void AddOpenSky_fails_at_start_on_invalid_settings()
    {
        var provider = Provider(new() { ["OpenSky:ClientId"] = "me-api-client", ["OpenSky:BoundingBox"] = "1,2" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("OpenSky:ClientId is set but OpenSky:ClientSecret is not", error.Message, StringComparison.Ordinal);
        Assert.Contains("OpenSky:BoundingBox \"1,2\" is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOpenSky_keeps_a_time_provider_registered_before_it()
    {
        var fake = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(fake);

        services.AddOpenSky(new ConfigurationBuilder().Build());

        Assert.Same(fake, services.BuildServiceProvider().GetRequiredService<TimeProvider>());
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
        => new ServiceCollection()
            .AddLogging()
            .AddOpenSky(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
