using System.Net;

namespace Flights.Core.OpenSky;

/// <summary>
/// OpenSky could not be reached or kept failing after the retries within one call (timeouts, 5xx, network).
/// Transient by nature: the next timer tick tries again.
/// </summary>
public sealed class OpenSkyUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and what happens next.</param>
    /// <param name="endpoint">The URL that failed.</param>
    /// <param name="statusCode">The last HTTP status, when there was an answer.</param>
    /// <param name="innerException">The transport or timeout exception, when there was one.</param>
    public OpenSkyUnavailableException(string message, Uri endpoint, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
    }

    /// <summary>The URL that failed.</summary>
    public Uri Endpoint { get; }

    /// <summary>The last HTTP status, when there was an answer; null for timeouts and network errors.</summary>
    public HttpStatusCode? StatusCode { get; }
}
