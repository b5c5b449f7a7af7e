using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Sessions;

namespace Flights.Core.Processing;

/// <summary>
/// The cleaning and transformation step of the smart write: pure, no I/O. Validates a state, normalises
/// identifiers, converts units and drops half positions.
/// </summary>
public static class StateCleaner
{
    /// <summary>m/s to km/h.</summary>
    public const double KmhPerMs = 3.6;

    // Times before 2000 cannot come from the live API; they mean a zero or garbage field.
    private const long EarliestPlausibleTime = SnapshotTimes.EarliestPlausible;

    /// <summary>Cleans one state with no wall-clock bound but representability, or says why it must not be written.</summary>
    public static RejectReason? TryClean(in StateEnvelope envelope, TimeSpan maxClockSkew, out CleanState clean) =>
        TryClean(envelope, maxClockSkew, SnapshotTimes.LatestRepresentable, out clean);

    /// <summary>Cleans one state, or says why it must not be written.</summary>
    /// <param name="envelope">The state and the snapshot time it came with.</param>
    /// <param name="maxClockSkew">How far a state's time may lie ahead of its snapshot time.</param>
    /// <param name="latestSnapshotTime">The latest plausible snapshot time (Unix s): the wall clock plus the allowed lead (<see cref="SnapshotTimes.Latest"/>).</param>
    /// <param name="clean">The cleaned state when the result is null.</param>
    /// <returns>Null when the state is valid, else the reason it is rejected.</returns>
    public static RejectReason? TryClean(in StateEnvelope envelope, TimeSpan maxClockSkew, long latestSnapshotTime, out CleanState clean)
    {
        clean = default;
        var s = envelope.State;

        // First, so that no later arithmetic or conversion can overflow: every time below is bounded by it.
        if (envelope.SnapshotTime < EarliestPlausibleTime)
        {
            return RejectReason.SnapshotTimeTooEarly;
        }

        if (envelope.SnapshotTime > Math.Min(latestSnapshotTime, SnapshotTimes.LatestRepresentable))
        {
            return RejectReason.SnapshotTimeInFuture;
        }
        var icao24 = NormalizeIcao24(s.Icao24);
        if (icao24 is null)
        {
            return RejectReason.InvalidIcao24;
        }

        if (s.LastContact is not { } lastContact || lastContact < EarliestPlausibleTime)
        {
            return RejectReason.MissingTime;
        }

        var skew = (long)maxClockSkew.TotalSeconds;
        if (lastContact > envelope.SnapshotTime + skew || s.TimePosition > envelope.SnapshotTime + skew)
        {
            return RejectReason.TimeAheadOfSnapshot;
        }

        if (!IsFiniteOrNull(s.Longitude) || !IsFiniteOrNull(s.Latitude) || !IsFiniteOrNull(s.BaroAltitude) || !IsFiniteOrNull(s.GeoAltitude)
            || !IsFiniteOrNull(s.Velocity) || !IsFiniteOrNull(s.TrueTrack) || !IsFiniteOrNull(s.VerticalRate))
        {
            return RejectReason.NonFiniteNumber;
        }

        if (s.Latitude is < -90 or > 90 || s.Longitude is < -180 or > 180)
        {
            return RejectReason.PositionOutOfRange;
        }

        // A position is both coordinates and the time they were taken; anything less is no position.
        var hasPosition = s.Latitude is not null && s.Longitude is not null && s.TimePosition is >= EarliestPlausibleTime;
        clean = new CleanState(
            icao24,
            NormalizeCallsign(s.Callsign),
            string.IsNullOrWhiteSpace(s.OriginCountry) ? null : s.OriginCountry.Trim(),
            s.Category is >= 0 and <= 20 ? (short)s.Category.Value : null,
            lastContact,
            hasPosition ? s.TimePosition : null,
            hasPosition ? s.Latitude : null,
            hasPosition ? s.Longitude : null,
            s.BaroAltitude,
            s.GeoAltitude,
            s.Velocity * KmhPerMs,
            s.TrueTrack,
            s.VerticalRate,
            s.OnGround,
            string.IsNullOrWhiteSpace(s.Squawk) ? null : s.Squawk.Trim(),
            s.PositionSource is >= 0 and <= short.MaxValue ? (short)s.PositionSource : (short)0,
            envelope.SnapshotTime);
        return null;
    }

    /// <summary>Six hex digits in lower case, or null when the value is not a transponder address.</summary>
    public static string? NormalizeIcao24(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var span = value.AsSpan().Trim();
        if (span.Length != 6)
        {
            return null;
        }

        foreach (var c in span)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        foreach (var c in span)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return span.ToString().ToLowerInvariant();
            }
        }

        return span.Length == value.Length ? value : span.ToString();
    }

    /// <summary>The callsign trimmed at both ends (inner spaces kept); null when empty.</summary>
    public static string? NormalizeCallsign(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    private static bool IsFiniteOrNull(double? value) => value is not { } v || double.IsFinite(v);
}
