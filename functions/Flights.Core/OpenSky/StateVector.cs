namespace Flights.Core.OpenSky;

/// <summary>
/// One aircraft state as OpenSky reports it in <c>/api/states/all</c>, before any cleaning.
/// Field order and units follow the API: times in Unix seconds, positions in WGS-84 degrees,
/// altitudes in metres, velocity and vertical rate in m/s, track in degrees from north.
/// </summary>
/// <param name="Icao24">Transponder address as sent (normally six lower-case hex digits).</param>
/// <param name="Callsign">Callsign with the padding removed; null when missing or blank.</param>
/// <param name="OriginCountry">Country inferred from the transponder address.</param>
/// <param name="TimePosition">Time of the last position update, null without a position in the last 15 s.</param>
/// <param name="LastContact">Time of the last message of any kind from the aircraft.</param>
/// <param name="Longitude">Longitude in degrees, nullable.</param>
/// <param name="Latitude">Latitude in degrees, nullable.</param>
/// <param name="BaroAltitude">Barometric altitude in metres (index 7), nullable, may be negative.</param>
/// <param name="OnGround">True when the position came from a surface position report.</param>
/// <param name="Velocity">Speed over ground in m/s, nullable.</param>
/// <param name="TrueTrack">Track in degrees clockwise from north, nullable.</param>
/// <param name="VerticalRate">Vertical rate in m/s, nullable.</param>
/// <param name="GeoAltitude">Geometric altitude in metres (index 13), nullable.</param>
/// <param name="Squawk">Transponder code, nullable.</param>
/// <param name="Spi">Special purpose indicator.</param>
/// <param name="PositionSource">0 ADS-B, 1 ASTERIX, 2 MLAT, 3 FLARM.</param>
/// <param name="Category">Aircraft category 0-20, only present with <c>extended=1</c>.</param>
public readonly record struct StateVector(
    string Icao24,
    string? Callsign,
    string? OriginCountry,
    long? TimePosition,
    long? LastContact,
    double? Longitude,
    double? Latitude,
    double? BaroAltitude,
    bool OnGround,
    double? Velocity,
    double? TrueTrack,
    double? VerticalRate,
    double? GeoAltitude,
    string? Squawk,
    bool Spi,
    int PositionSource,
    int? Category);

/// <summary>One <c>/api/states/all</c> response: the snapshot time and its states.</summary>
/// <param name="Time">Snapshot time in Unix seconds; every state describes the aircraft in [Time-1, Time].</param>
/// <param name="States">The state vectors; empty when the API answered <c>states: null</c>.</param>
public sealed record StatesSnapshot(long Time, IReadOnlyList<StateVector> States);
