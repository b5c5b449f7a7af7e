namespace Flights.Core.Airports;

/// <summary>One airport of the OurAirports data (airports.csv), with the fields the pipeline uses.</summary>
/// <param name="Ident">OurAirports ident: the ICAO code where the airport has one (e.g. <c>KIAD</c>), else a local code.</param>
/// <param name="Type">OurAirports type: <c>large_airport</c>, <c>medium_airport</c>, <c>small_airport</c>, <c>heliport</c>, ...</param>
/// <param name="Name">Name as OurAirports spells it.</param>
/// <param name="Location">Airport reference point.</param>
/// <param name="ElevationM">Field elevation in metres (OurAirports gives feet); null where unknown.</param>
/// <param name="IsoCountry">ISO 3166-1 alpha-2 country code.</param>
/// <param name="IataCode">IATA code, null where none.</param>
/// <param name="Municipality">City served, null where unknown.</param>
public sealed record Airport(string Ident, string Type, string Name, GeoPoint Location, double? ElevationM, string IsoCountry, string? IataCode, string? Municipality)
{
    /// <summary>Metres per foot (international foot).</summary>
    public const double MetresPerFoot = 0.3048;

    /// <summary>Whether this is a medium or large airport: the ones with scheduled traffic worth simulating.</summary>
    public bool IsMediumOrLarge => Type is AirportTypes.Large or AirportTypes.Medium;
}

/// <summary>The OurAirports <c>type</c> values the code refers to.</summary>
public static class AirportTypes
{
    /// <summary>Large airport.</summary>
    public const string Large = "large_airport";

    /// <summary>Medium airport.</summary>
    public const string Medium = "medium_airport";
}
