using Flights.Core.Sessions;
using Flights.Core.Storage;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>Real airports of the Washington area (OurAirports reference points and elevations) for the airport rules.</summary>
public static class TestAirports
{
    public static readonly AirportRow Dca = new("KDCA", "large_airport", "Ronald Reagan Washington National Airport", 38.8521, -77.037697, 4.572, "US", "DCA", "Washington");
    public static readonly AirportRow Iad = new("KIAD", "large_airport", "Washington Dulles International Airport", 38.9445, -77.455803, 95.0976, "US", "IAD", "Dulles");
    public static readonly AirportRow Bwi = new("KBWI", "large_airport", "Baltimore/Washington International Thurgood Marshall Airport", 39.1754, -76.668297, 44.5008, "US", "BWI", "Baltimore");
    public static readonly AirportRow Adw = new("KADW", "medium_airport", "Joint Base Andrews", 38.810799, -76.866997, 85.344, "US", "ADW", "Camp Springs");

    public static readonly AirportRow[] Washington = [Dca, Iad, Bwi, Adw];

    public static Task<AirportLoadResult> LoadAsync(TestDatabase db, params AirportRow[] airports) =>
        AirportsTable.LoadAsync(db.DataSource, airports.Length == 0 ? Washington : airports, CancellationToken.None);
}
