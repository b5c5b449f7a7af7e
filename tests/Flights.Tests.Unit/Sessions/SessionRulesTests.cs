using Flights.Core.Processing;
using Flights.Core.Sessions;

namespace Flights.Tests.Unit.Sessions;

public sealed class SessionRulesTests
{
    private const long T0 = 1_767_268_800;
    private static readonly SessionRules Rules = new(new SessionOptions());

    private static CleanState State(double minute, bool onGround = false, bool position = true, double lat = 50)
    {
        var t = T0 + (long)(minute * 60);
        return new CleanState("abc123", "TEST1", "Germany", null, t, position ? t : null, position ? lat : null, position ? 8.0 : null, 10_000, 10_050, 800, 90, 0, onGround, "1000", 0, t);
    }

    private static AircraftHistory New() => new(1, null, null, null, null, null);

    [Fact]
    public void Route_gets_a_point_only_after_five_minutes()
    {
        var outcome = Rules.Apply(New(), [State(0), State(4.9), State(5), State(9.9), State(10.5)]);

        var session = Assert.Single(outcome.Sessions);
        Assert.Equal([T0, T0 + 300, T0 + 630], session.NewPoints.Select(p => p.Time));
        Assert.Equal(5, session.StateCount);
    }

    [Fact]
    public void States_at_or_before_the_watermark_change_nothing()
    {
        var open = new FlightSession { SessionId = 7, AircraftId = 1, StartedAt = T0, StartReason = SessionReasons.FirstSeenAirborne, LastSignalAt = T0 + 600, LastPointAt = T0 + 600, PointCount = 3, StateCount = 10 };

        var outcome = Rules.Apply(new AircraftHistory(1, T0 + 600, open, false, T0 + 600, null), [State(2), State(10)]);

        Assert.Equal(0, outcome.AppliedStates);
        Assert.False(open.Changed);
        Assert.Equal(10, open.StateCount);
    }

    [Fact]
    public void A_gap_longer_than_twenty_minutes_ends_the_flight_and_opens_another()
    {
        var outcome = Rules.Apply(New(), [State(0), State(1, lat: 51), State(21.5)]);

        Assert.Equal(2, outcome.Sessions.Count);
        var (ended, opened) = (outcome.Sessions[0], outcome.Sessions[1]);
        Assert.Equal((T0 + 60, SessionReasons.SignalLost), (ended.EndedAt, ended.EndReason));
        Assert.Equal([T0, T0 + 60], ended.NewPoints.Select(p => p.Time));
        Assert.Equal(T0 + 1290, opened.StartedAt);
        Assert.True(opened.IsOpen);
    }

    [Fact]
    public void A_gap_of_exactly_twenty_minutes_keeps_the_flight_open_and_records_the_gap()
    {
        var outcome = Rules.Apply(New(), [State(0), State(20)]);

        var session = Assert.Single(outcome.Sessions);
        Assert.True(session.IsOpen);
        Assert.Equal(1200, session.MaxGapSeconds);
    }

    [Fact]
    public void Ground_states_open_no_flight_and_the_first_airborne_state_is_a_takeoff()
    {
        var outcome = Rules.Apply(New(), [State(0, onGround: true), State(3, onGround: true), State(4)]);

        var session = Assert.Single(outcome.Sessions);
        Assert.Equal((T0 + 240, SessionReasons.Takeoff), (session.StartedAt, session.StartReason));
    }

    [Fact]
    public void Two_minutes_on_the_ground_end_the_flight_at_touchdown()
    {
        var outcome = Rules.Apply(New(), [State(0), State(6, onGround: true, lat: 50.5), State(7, onGround: true), State(8, onGround: true), State(9)]);

        Assert.Equal(2, outcome.Sessions.Count);
        var landed = outcome.Sessions[0];
        Assert.Equal((T0 + 360, SessionReasons.Landed), (landed.EndedAt, landed.EndReason));
        Assert.Equal([T0, T0 + 360], landed.NewPoints.Select(p => p.Time));
        Assert.Equal(50.5, landed.NewPoints[^1].Latitude);
        Assert.Equal(SessionReasons.Takeoff, outcome.Sessions[1].StartReason);
    }

    [Fact]
    public void A_short_ground_run_followed_by_flight_is_not_a_landing()
    {
        var outcome = Rules.Apply(New(), [State(0), State(6, onGround: true), State(7, onGround: true), State(7.5)]);

        var session = Assert.Single(outcome.Sessions);
        Assert.True(session.IsOpen);
        Assert.Null(session.GroundSince);
    }

    [Fact]
    public void Positionless_states_extend_the_signal_but_add_no_point()
    {
        var outcome = Rules.Apply(New(), [State(0, position: false), State(6, position: false)]);

        var session = Assert.Single(outcome.Sessions);
        Assert.Empty(session.NewPoints);
        Assert.Equal(T0 + 360, session.LastSignalAt);
    }

    [Fact]
    public void Distance_adds_up_between_route_points()
    {
        var outcome = Rules.Apply(New(), [State(0, lat: 50), State(5, lat: 51)]);

        Assert.Equal(111.2, Assert.Single(outcome.Sessions).DistanceKm, 1);
    }
}
