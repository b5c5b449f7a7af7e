using Flights.Core.Simulation;

namespace Flights.Tests.Unit.Simulation;

public class AccuracyEvaluatorTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Threshold = TimeSpan.FromMinutes(20);

    private static SimulatedLeg Leg(string icao24, long on, IReadOnlyList<SignalGap>? gaps = null, long? lostAt = null) =>
        new(icao24, "TST1", "AAAA", "BBBB", on, on + 300, on + 900, on + 4500, on + 5000, on + 5400, 500, 9000, gaps ?? [], lostAt);

    private static AccuracyReport Evaluate(IEnumerable<SimulatedLeg> legs, params StoredFlight[] flights) =>
        AccuracyEvaluator.Evaluate(legs, flights, 0, 100_000, Step, Threshold);

    [Fact]
    public void A_flight_from_takeoff_to_touchdown_within_one_step_is_an_exact_match()
    {
        var leg = Leg("aaaaaa", 1000);

        var report = Evaluate([leg], new StoredFlight("aaaaaa", leg.Takeoff + 7, leg.Landing + 3, "takeoff", "landed"));

        Assert.Equal(new AccuracyReport(1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0), report);
        Assert.Equal((1.0, 1.0), (report.Precision, report.Recall));
    }

    [Fact]
    public void A_leg_split_by_a_long_gap_is_found_but_not_exact_and_both_flights_count_against_precision()
    {
        var leg = Leg("aaaaaa", 1000, [new SignalGap(2000, 3800)]);

        var report = Evaluate([leg],
            new StoredFlight("aaaaaa", leg.Takeoff, 1990, "takeoff", "signal_lost"),
            new StoredFlight("aaaaaa", 3800, leg.Landing, "first_seen_airborne", "landed"));

        Assert.Equal(new AccuracyReport(1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 0), report);
        Assert.Equal((0.0, 0.0), (report.Precision, report.Recall));
    }

    [Fact]
    public void A_signal_lost_before_touchdown_is_right_as_signal_lost_and_a_flight_outside_every_leg_is_a_false_positive()
    {
        var leg = Leg("aaaaaa", 1000, lostAt: 4000);
        var clean = Leg("bbbbbb", 1000);

        var report = Evaluate([leg, clean],
            new StoredFlight("aaaaaa", leg.Takeoff, 3990, "takeoff", "signal_lost"),
            new StoredFlight("bbbbbb", clean.Takeoff, clean.Landing, "takeoff", "landed"),
            new StoredFlight("cccccc", 2000, 3000, "first_seen_airborne", "signal_lost"));

        Assert.Equal(new AccuracyReport(2, 1, 2, 2, 1, 1, 0, 1, 1, 1, 1, 3, 1), report);
        Assert.Equal((1 / 3.0, 0.5), (report.Precision, report.Recall));
    }

    [Fact]
    public void Legs_cut_by_the_window_and_their_flights_are_left_out_of_both_sides()
    {
        var before = Leg("aaaaaa", -1000); // took off 100 s before the window: first seen airborne at its start
        var after = Leg("bbbbbb", 99_000); // transponder off too close to the window's end for the closer to act

        var report = Evaluate([before, after],
            new StoredFlight("aaaaaa", 0, before.Landing, "first_seen_airborne", "landed"),
            new StoredFlight("bbbbbb", after.Takeoff, null, "takeoff", null));

        Assert.Equal(new AccuracyReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), report);
    }

    [Fact]
    public void A_split_leg_has_its_departure_on_the_first_flight_and_its_arrival_on_the_last_and_wrong_or_stray_airports_count_against_precision()
    {
        var split = Leg("aaaaaa", 1000, [new SignalGap(2000, 3800)]);
        var wrong = Leg("bbbbbb", 1000);
        var missed = Leg("cccccc", 1000);

        var report = AccuracyEvaluator.EvaluateAirports([split, wrong, missed],
            [
                new StoredFlight("aaaaaa", split.Takeoff, 1990, "takeoff", "signal_lost", "AAAA", null),
                new StoredFlight("aaaaaa", 3800, split.Landing, "first_seen_airborne", "landed", "AAAA", "BBBB"), // a departure on the second piece is wrong
                new StoredFlight("bbbbbb", wrong.Takeoff, wrong.Landing, "takeoff", "landed", "aaaa", "CCCC"), // idents compare case-insensitively
                new StoredFlight("cccccc", missed.Takeoff, missed.Landing, "takeoff", "landed"),
                new StoredFlight("dddddd", 2000, 3000, "takeoff", "landed", "AAAA", "BBBB"), // no leg: both wrong
            ],
            0, 100_000, Threshold);

        Assert.Equal(new AirportAccuracyReport(Legs: 3, DeparturesGiven: 4, DeparturesRight: 2, ArrivalsGiven: 3, ArrivalsRight: 1), report);
        Assert.Equal((0.5, 2.0 / 3, 1.0 / 3, 1.0 / 3), (report.DeparturePrecision, report.DepartureRecall, report.ArrivalPrecision, report.ArrivalRecall));
    }
}
