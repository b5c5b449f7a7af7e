using System.Net;

namespace Flights.Core.OpenSky;

/// <summary>
/// OpenSky rejected the configured credentials (token endpoint 400/401, or a 401 with a freshly issued token).
/// Not transient: retrying will not help until the configuration is fixed.
/// </summary>
public sealed class OpenSkyAuthenticationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was rejected and which settings to check.</param>
    /// <param name="endpoint">The URL that answered with the rejection.</param>
    /// <param name="statusCode">The HTTP status of the rejection.</param>
    public OpenSkyAuthenticationException(string message, Uri endpoint, HttpStatusCode statusCode)
        : base(message)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
    }

    /// <summary>The URL that answered with the rejection.</summary>
    public Uri Endpoint { get; }

    /// <summary>The HTTP status of the rejection.</summary>
    public HttpStatusCode StatusCode { get; }
}
