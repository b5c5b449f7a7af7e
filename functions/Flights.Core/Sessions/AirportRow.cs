namespace Flights.Core.Sessions;

/// <summary>One airport as the <c>airports</c> table holds it (OurAirports fields).</summary>
/// <param name="Ident">OurAirports ident: the ICAO code where the airport has one (<c>KIAD</c>).</param>
/// <param name="Type">OurAirports type (<c>large_airport</c>, <c>medium_airport</c>, <c>small_airport</c>, <c>heliport</c>, ...).</param>
/// <param name="Name">Name.</param>
/// <param name="Latitude">Reference point, degrees.</param>
/// <param name="Longitude">Reference point, degrees.</param>
/// <param name="ElevationM">Field elevation in metres; null where unknown.</param>
/// <param name="IsoCountry">ISO 3166-1 alpha-2 country.</param>
/// <param name="IataCode">IATA code.</param>
/// <param name="Municipality">City served.</param>
public sealed record AirportRow(string Ident, string Type, string Name, double Latitude, double Longitude, double? ElevationM,
    string? IsoCountry = null, string? IataCode = null, string? Municipality = null);
