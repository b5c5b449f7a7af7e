using Flights.Core.Processing;
using Flights.Core.Sessions;

namespace Flights.Tests.Unit.Sessions;

public sealed class PositionPlausibilityTests
{
    private const long T0 = 1_767_268_800;
    private static readonly PositionPlausibility Rule = new(new PositionOptions(), new SessionOptions());

    private static CleanState State(double seconds, double lat, double lon = 8.0)
    {
        var t = T0 + (long)seconds;
        return new CleanState("abc123", "TEST1", "Germany", null, t, t, lat, lon, 10_000, 10_050, 800, 90, 0, false, "1000", 0, t);
    }

    private static AircraftHistory From(double lat, double seconds = 0) =>
        new(1, T0 + (long)seconds, null, false, T0 + (long)seconds, new RoutePoint(T0 + (long)seconds, lat, 8.0, 10_000, 800, 90, 0, false));

    [Theory]
    [InlineData(0.514, 0, false)] // same second: up to 1,852 km/h for one second
    [InlineData(0.515, 0, true)]
    [InlineData(5.144, 9, false)] // 10 s at the limit
    [InlineData(5.145, 9, true)]
    [InlineData(5.145, -9, true)] // an older position is judged the same way
    public void A_position_is_implausible_above_1852_km_h_allowing_one_second_for_whole_second_times(double km, long seconds, bool implausible)
    {
        Assert.Equal(implausible, Rule.IsImplausible(km, seconds));
    }

    [Fact]
    public void A_jump_loses_its_position_but_keeps_its_state_and_the_next_point_is_judged_from_the_last_accepted_one()
    {
        // 50.0 -> 51.0 (111 km) in 10 s is a jump; 50.02 at 20 s is 2.2 km from 50.0: fine.
        var states = new List<CleanState> { State(10, 51.0), State(20, 50.02) };

        var removed = Rule.Apply(From(50.0), states);

        Assert.Equal(1, removed);
        Assert.Equal(2, states.Count);
        Assert.False(states[0].HasPosition);
        Assert.Equal((T0 + 10, (long?)null, (double?)null), (states[0].LastContact, states[0].PositionTime, states[0].Latitude));
        Assert.Equal(50.02, states[1].Latitude);
    }

    [Fact]
    public void An_aircraft_with_no_accepted_position_yet_accepts_its_first()
    {
        var states = new List<CleanState> { State(0, 10.0), State(10, 10.01) };

        Assert.Equal(0, Rule.Apply(new AircraftHistory(1, null, null, null, null, null), states));
        Assert.True(states.TrueForAll(s => s.HasPosition));
    }

    [Fact]
    public void After_twenty_minutes_without_an_accepted_position_the_next_one_is_accepted_wherever_it_is()
    {
        var states = new List<CleanState> { State(1200, 55.0), State(1201, 50.0) };

        var removed = Rule.Apply(From(50.0), states);

        // 55.0 is 20 min after the last accepted position: accepted; 50.0 one second later is now the jump.
        Assert.Equal(1, removed);
        Assert.Equal(55.0, states[0].Latitude);
        Assert.False(states[1].HasPosition);
    }

    [Fact]
    public void States_already_applied_are_not_judged_again()
    {
        var states = new List<CleanState> { State(0, 51.0) };

        Assert.Equal(0, Rule.Apply(From(50.0, seconds: 0), states));
        Assert.Equal(51.0, states[0].Latitude);
    }
}
