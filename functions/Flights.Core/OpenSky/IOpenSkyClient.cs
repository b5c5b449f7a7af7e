namespace Flights.Core.OpenSky;

/// <summary>Fetches <c>/api/states/all</c> within OpenSky's credit rules.</summary>
public interface IOpenSkyClient
{
    /// <summary>
    /// Fetches the current states, or skips the call when the credit rules say not now.
    /// </summary>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The snapshot, or a skipped result saying why and when the next call may go out.</returns>
    /// <exception cref="OpenSkyUnavailableException">OpenSky kept failing after the retries within the call.</exception>
    /// <exception cref="OpenSkyAuthenticationException">The configured credentials were rejected.</exception>
    /// <exception cref="OpenSkyFormatException">The response body is malformed.</exception>
    Task<OpenSkyFetchResult> FetchStatesAsync(CancellationToken cancellationToken);
}

/// <summary>The outcome of one <see cref="IOpenSkyClient.FetchStatesAsync"/>.</summary>
/// <param name="Snapshot">The states; null when the call was skipped.</param>
/// <param name="CreditsRemaining">Credits left as OpenSky reported them (or as counted locally); null when unknown.</param>
/// <param name="NextCallAt">The earliest time the next call may go out.</param>
/// <param name="SkipReason">Why the call was skipped; null when it was made.</param>
public sealed record OpenSkyFetchResult(StatesSnapshot? Snapshot, int? CreditsRemaining, DateTimeOffset NextCallAt, string? SkipReason)
{
    /// <summary>True when the credit rules said not to call now (see <see cref="SkipReason"/> and <see cref="NextCallAt"/>).</summary>
    public bool Skipped => Snapshot is null;
}
