using Flights.Core.Sessions;
using Flights.Core.Storage;

namespace Flights.Tests.Unit.Sessions;

public sealed class AirportRulesTests
{
    private const long T0 = 1_767_268_800;

    // OurAirports reference points and elevations (15, 312 and 146 ft).
    private static readonly AirportRow Dca = new("KDCA", "large_airport", "Ronald Reagan Washington National Airport", 38.8521, -77.037697, 4.572);
    private static readonly AirportRow Iad = new("KIAD", "large_airport", "Washington Dulles International Airport", 38.9445, -77.455803, 95.0976);
    private static readonly AirportRow Bwi = new("KBWI", "large_airport", "Baltimore/Washington International Thurgood Marshall Airport", 39.1754, -76.668297, 44.5008);
    private static readonly AirportRow Pentagon = new("KJPN", "heliport", "Pentagon Army Heliport", 38.8750, -77.0556, 9.0);

    private static readonly AirportIndex Index = new([Dca, Iad, Bwi, Pentagon], new AirportOptions().TypeSet());
    private static readonly AirportRules Rules = new(new AirportOptions());

    private static RoutePoint Point(double lat, double lon, double? altitude, bool onGround = false, double verticalRate = 0) => new(T0, lat, lon, altitude, 250, 90, verticalRate, onGround);

    [Fact]
    public void A_takeoff_gets_the_nearest_airport_within_five_km_with_distance_and_height()
    {
        // 0.01 degrees north of Reagan National: 1.112 km.
        var decision = Rules.Departure(Index, SessionReasons.Takeoff, Point(38.8621, -77.037697, 154.572));

        Assert.Equal(new AirportDecision("KDCA", 1.112, 150, AirportMethods.Takeoff, null), decision);
    }

    [Fact]
    public void A_takeoff_more_than_five_km_from_any_airport_has_no_departure_and_says_why()
    {
        var decision = Rules.Departure(Index, SessionReasons.Takeoff, Point(38.8521 + 0.05, -77.037697, 300)); // 5.6 km north

        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoAirportNearby), decision);
    }

    [Fact]
    public void A_flight_first_seen_low_within_ten_km_gets_an_estimated_departure()
    {
        var decision = Rules.Departure(Index, SessionReasons.FirstSeenAirborne, Point(38.9445 + 0.08, -77.455803, 895.0976)); // 8.9 km, 800 m above Dulles

        Assert.Equal(new AirportDecision("KIAD", 8.896, 800, AirportMethods.EstimatedLow, null), decision);
    }

    [Fact]
    public void A_flight_first_seen_at_or_above_1000_m_over_the_airport_has_no_departure()
    {
        var decision = Rules.Departure(Index, SessionReasons.FirstSeenAirborne, Point(38.9445 + 0.02, -77.455803, 1095.0976));

        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.TooHigh), decision);
    }

    [Fact]
    public void A_flight_first_seen_airborne_without_an_altitude_has_no_departure()
    {
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoAltitude), Rules.Departure(Index, SessionReasons.FirstSeenAirborne, Point(38.9445, -77.455803, null)));
    }

    [Fact]
    public void A_flight_first_seen_low_but_descending_is_on_approach_and_gets_no_departure()
    {
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.Descending), Rules.Departure(Index, SessionReasons.FirstSeenAirborne, Point(38.9445, -77.455803, 237, verticalRate: -2.6)));
        Assert.Equal("KIAD", Rules.Departure(Index, SessionReasons.FirstSeenAirborne, Point(38.9445, -77.455803, 237, verticalRate: -1)).Airport);
    }

    [Fact]
    public void A_flight_last_seen_low_but_climbing_has_just_departed_and_gets_no_arrival()
    {
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.Climbing), Rules.Arrival(Index, SessionReasons.SignalLost, null, Point(38.8521, -77.037697, 300, verticalRate: 8)));
        Assert.Equal("KDCA", Rules.Arrival(Index, SessionReasons.SignalLost, null, Point(38.8521, -77.037697, 300, verticalRate: 1)).Airport);
    }

    [Fact]
    public void A_touchdown_gets_the_arrival_airport_and_a_height_of_zero()
    {
        var decision = Rules.Arrival(Index, SessionReasons.Landed, Point(39.1754 - 0.01, -76.668297, 60, onGround: true), null);

        Assert.Equal(new AirportDecision("KBWI", 1.112, 0, AirportMethods.Touchdown, null), decision);
    }

    [Fact]
    public void A_lost_signal_low_near_an_airport_gives_an_estimated_arrival_and_high_gives_none()
    {
        Assert.Equal(new AirportDecision("KDCA", 0, 295.4, AirportMethods.EstimatedLow, null), Rules.Arrival(Index, SessionReasons.SignalLost, null, Point(38.8521, -77.037697, 300)));
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.TooHigh), Rules.Arrival(Index, SessionReasons.SignalLost, null, Point(38.8521, -77.037697, 1100)));
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoPosition), Rules.Arrival(Index, SessionReasons.SignalLost, null, null));
    }

    [Fact]
    public void Heliports_are_left_out_by_default()
    {
        // At the Pentagon heliport, 2.7 km from Reagan National: the airport wins.
        var decision = Rules.Departure(Index, SessionReasons.Takeoff, Point(38.8750, -77.0556, 50));

        Assert.Equal("KDCA", decision.Airport);
    }

    [Fact]
    public void Without_airports_loaded_the_reason_says_so()
    {
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoAirportsLoaded), Rules.Departure(AirportIndex.Empty, SessionReasons.Takeoff, Point(38.8521, -77.037697, 10)));
    }

    [Fact]
    public void The_departure_is_decided_at_the_first_route_point_only()
    {
        var opened = new FlightSession { AircraftId = 1, StartedAt = T0, StartReason = SessionReasons.Takeoff, LastSignalAt = T0 };
        opened.AppendPoint(Point(38.8621, -77.037697, 154.572));
        var later = new FlightSession { SessionId = 5, AircraftId = 1, StartedAt = T0, StartReason = SessionReasons.Takeoff, LastSignalAt = T0, PointCount = 1 };
        later.AppendPoint(Point(38.9, -77.2, 3000));

        Assert.Equal("KDCA", Rules.Decide(opened, Index)!.Departure!.Airport);
        Assert.Null(Rules.Decide(later, Index)); // decided with its first point, in an earlier batch
    }

    [Fact]
    public void A_flight_that_ends_without_any_position_has_neither_airport_for_lack_of_one()
    {
        var session = new FlightSession { SessionId = 5, AircraftId = 1, StartedAt = T0, StartReason = SessionReasons.FirstSeenAirborne, LastSignalAt = T0 };
        session.End(T0, SessionReasons.SignalLost, null);

        var decided = Rules.Decide(session, Index)!;

        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoPosition), decided.Departure);
        Assert.Equal(AirportDecision.Unknown(AirportUnknownReasons.NoPosition), decided.Arrival);
    }

    [Fact]
    public void The_nearest_airport_is_found_across_the_antimeridian()
    {
        var fiji = new AirportIndex([new AirportRow("NFTE", "small_airport", "East", -16.0, 179.99, 0), new AirportRow("NFTW", "small_airport", "West", -16.0, -179.98, 0)]);

        Assert.Equal("NFTW", fiji.Nearest(-16.0, -179.985, 5)!.Airport.Ident);
        Assert.Equal("NFTE", fiji.Nearest(-16.0, 179.999, 5)!.Airport.Ident);
    }
}
