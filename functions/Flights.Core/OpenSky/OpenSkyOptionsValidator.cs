using Microsoft.Extensions.Options;

namespace Flights.Core.OpenSky;

/// <summary>Checks <see cref="OpenSkyOptions"/> at start, with messages that say which setting to fix.</summary>
internal sealed class OpenSkyOptionsValidator : IValidateOptions<OpenSkyOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenSkyOptions options)
    {
        var failures = new List<string>();

        CheckUrl(options.BaseUrl, "BaseUrl", failures);
        CheckUrl(options.TokenUrl, "TokenUrl", failures);

        bool hasId = !string.IsNullOrWhiteSpace(options.ClientId);
        bool hasSecret = !string.IsNullOrWhiteSpace(options.ClientSecret);
        if (!string.IsNullOrWhiteSpace(options.CredentialsFile))
        {
            if (hasId || hasSecret)
            {
                failures.Add("OpenSky:CredentialsFile and OpenSky:ClientId/ClientSecret are both set; set one of them (OpenSky__CredentialsFile or OpenSky__ClientId with OpenSky__ClientSecret).");
            }
            else
            {
                OpenSkyCredentials.Resolve(options, out string? error);
                if (error is not null)
                {
                    failures.Add(error);
                }
            }
        }
        else if (hasId && !hasSecret)
        {
            failures.Add("OpenSky:ClientId is set but OpenSky:ClientSecret is not; set OpenSky__ClientSecret too, or neither for anonymous access.");
        }
        else if (hasSecret && !hasId)
        {
            failures.Add("OpenSky:ClientSecret is set but OpenSky:ClientId is not; set OpenSky__ClientId too, or neither for anonymous access.");
        }

        if (options.BoundingBox is not null && !BoundingBox.TryParse(options.BoundingBox, out _, out string? boxError))
        {
            failures.Add($"OpenSky:BoundingBox \"{options.BoundingBox}\" is invalid: {boxError}.");
        }

        if (string.IsNullOrWhiteSpace(options.Schedule))
        {
            failures.Add("OpenSky:Schedule is empty; give an NCRONTAB expression with seconds, e.g. \"*/15 * * * * *\".");
        }

        if (options.MinInterval is { } minInterval && minInterval < TimeSpan.Zero)
        {
            failures.Add($"OpenSky:MinInterval must not be negative (got {minInterval}).");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"OpenSky:RequestTimeout must be positive (got {options.RequestTimeout}).");
        }

        if (options.MaxRetries is < 1 or > 10)
        {
            failures.Add($"OpenSky:MaxRetries must be within 1..10 (got {options.MaxRetries}).");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"OpenSky:RetryDelay must be within 0..00:01:00 (got {options.RetryDelay}).");
        }

        if (options.DailyCredits is <= 0)
        {
            failures.Add($"OpenSky:DailyCredits must be positive when set (got {options.DailyCredits}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUrl(Uri? url, string setting, List<string> failures)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"OpenSky:{setting} must be an absolute http(s) URL (got \"{url}\").");
        }
    }
}
