namespace Flights.Core.OpenSky;

/// <summary>
/// An OpenSky response that does not have the documented shape. The message names the state,
/// the field and what was found; <see cref="BytePosition"/> points into the UTF-8 body.
/// </summary>
public sealed class OpenSkyFormatException : FormatException
{
    /// <summary>Creates the exception for a malformed response.</summary>
    /// <param name="message">What was expected and what was found, including the byte position.</param>
    /// <param name="bytePosition">Zero-based offset into the UTF-8 response body where the problem was found.</param>
    /// <param name="innerException">The reader's exception when the JSON itself was invalid.</param>
    public OpenSkyFormatException(string message, long bytePosition, Exception? innerException = null)
        : base(message, innerException)
    {
        BytePosition = bytePosition;
    }

    /// <summary>Zero-based offset into the UTF-8 response body where the problem was found.</summary>
    public long BytePosition { get; }
}
