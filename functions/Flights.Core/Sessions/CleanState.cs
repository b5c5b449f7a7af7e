namespace Flights.Core.Sessions;

/// <summary>
/// A validated, transformed state ready for the warehouse. Times are Unix seconds; velocity is km/h;
/// altitudes stay in metres. A state either has a full position (both coordinates) or none.
/// </summary>
public readonly record struct CleanState(
    string Icao24,
    string? Callsign,
    string? OriginCountry,
    short? Category,
    long LastContact,
    long? PositionTime,
    double? Latitude,
    double? Longitude,
    double? BaroAltitudeM,
    double? GeoAltitudeM,
    double? VelocityKmh,
    double? HeadingDeg,
    double? VerticalRateMs,
    bool OnGround,
    string? Squawk,
    short PositionSource,
    long SnapshotTime)
{
    /// <summary>True when the state carries a position (and so can make a route point or a live position).</summary>
    public bool HasPosition => Latitude is not null && PositionTime is not null;
}
