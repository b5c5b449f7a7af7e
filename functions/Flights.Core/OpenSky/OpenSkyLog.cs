using Microsoft.Extensions.Logging;

namespace Flights.Core.OpenSky;

/// <summary>Source-generated log messages of the OpenSky client (one or more per call).</summary>
internal static partial class OpenSkyLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Fetched {StateCount} OpenSky states for snapshot {SnapshotTime} in {ElapsedMs:F0} ms; {CreditsRemaining} credits left, next call at {NextCallAt:u}")]
    public static partial void Fetched(this ILogger logger, int stateCount, long snapshotTime, double elapsedMs, int? creditsRemaining, DateTimeOffset nextCallAt);

    // Debug: with a 15 s timer and a global box most ticks are skips; they are not news.
    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Skipped the OpenSky call: {Reason}; next call at {NextCallAt:u}")]
    public static partial void Skipped(this ILogger logger, string? reason, DateTimeOffset nextCallAt);

    // Logged once per 429 answer; the ticks skipped afterwards log at Debug only.
    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "OpenSky credits are spent (HTTP 429): no call before {NextCallAt:u} (retry-after {RetryAfterSeconds} s). OpenSky said: {Body}")]
    public static partial void RateLimited(this ILogger logger, DateTimeOffset nextCallAt, long? retryAfterSeconds, string body);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "OpenSky rejected the access token (HTTP 401); fetching a new one and retrying once")]
    public static partial void RefreshingAfterUnauthorized(this ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Acquired an OpenSky access token valid for {ExpiresInSeconds} s")]
    public static partial void TokenAcquired(this ILogger logger, long expiresInSeconds);
}
