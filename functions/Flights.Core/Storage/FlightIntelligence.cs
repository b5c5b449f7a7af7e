using Flights.Core.Sessions;
using Npgsql;

namespace Flights.Core.Storage;

/// <summary>
/// The rules the smart write and the closer apply besides the session rules (issue 16): departure and
/// arrival airports, implausible positions and emergency squawk periods, with the airports catalogue they use.
/// </summary>
/// <param name="Airports">The airports catalogue and the airport rules.</param>
/// <param name="Positions">The implausible-position rule.</param>
/// <param name="Emergencies">The emergency squawk periods.</param>
public sealed record FlightIntelligence(AirportDirectory Airports, PositionPlausibility Positions, EmergencySquawks Emergencies)
{
    /// <summary>The rules with the given settings (defaults where null), reading airports from <paramref name="dataSource"/>.</summary>
    public static FlightIntelligence Create(NpgsqlDataSource dataSource, SessionOptions sessions, AirportOptions? airports = null, PositionOptions? positions = null) =>
        new(new AirportDirectory(dataSource, airports ?? new AirportOptions()), new PositionPlausibility(positions ?? new PositionOptions(), sessions), new EmergencySquawks(sessions));
}
