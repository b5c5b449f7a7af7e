using Flights.Core.Processing;
using Flights.Core.Sessions;

namespace Flights.Tests.Unit.Sessions;

public sealed class EmergencySquawksTests
{
    private const long T0 = 1_767_268_800;
    private static readonly EmergencySquawks Rule = new(new SessionOptions());
    private static readonly AircraftHistory New = new(1, null, null, null, null, null);

    private static CleanState State(double minute, string? squawk)
    {
        var t = T0 + (long)(minute * 60);
        return new CleanState("abc123", "TEST1", "Germany", null, t, t, 50, 8, 10_000, 10_050, 800, 90, 0, false, squawk, 0, t);
    }

    private static List<EmergencyPeriod> Apply(AircraftHistory history, EmergencyPeriod? open, params CleanState[] states)
    {
        var changed = new List<EmergencyPeriod>();
        Rule.Apply(history, open, states, changed);
        return changed;
    }

    private static (string Squawk, long From, long To, int States, long? Closed, bool IsNew) Row(EmergencyPeriod p) => (p.Squawk, p.StartedAt, p.LastSeenAt, p.StateCount, p.ClosedAt, p.IsNew);

    [Fact]
    public void A_run_of_7700_is_one_period_from_its_first_to_its_newest_state_and_states_without_a_squawk_do_not_break_it()
    {
        var changed = Apply(New, null, State(0, "1000"), State(1, "7700"), State(2, null), State(3, "7700"));

        Assert.Equal([("7700", T0 + 60, T0 + 180, 2, (long?)null, true)], changed.Select(Row));
    }

    [Fact]
    public void Another_code_closes_the_period_at_its_state_and_an_emergency_code_starts_the_next()
    {
        var changed = Apply(New, null, State(0, "7600"), State(1, "7700"), State(2, "2000"));

        Assert.Equal([("7600", T0, T0, 1, T0 + 60, true), ("7700", T0 + 60, T0 + 60, 1, T0 + 120, true)], changed.Select(Row));
    }

    [Fact]
    public void A_period_from_an_earlier_batch_goes_on()
    {
        var open = new EmergencyPeriod { AircraftId = 1, Squawk = "7500", StartedAt = T0, LastSeenAt = T0 + 60, StateCount = 2 };

        var changed = Apply(new AircraftHistory(1, T0 + 60, null, false, T0 + 60, null), open, State(1, "7500"), State(2, "7500"));

        Assert.Equal([("7500", T0, T0 + 120, 3, (long?)null, false)], changed.Select(Row)); // the state at minute 1 was applied already
    }

    [Fact]
    public void After_a_gap_longer_than_the_flight_end_threshold_the_code_starts_a_new_period()
    {
        var changed = Apply(New, null, State(0, "7700"), State(21, "7700"));

        Assert.Equal([("7700", T0, T0, 1, (long?)null, true), ("7700", T0 + 1260, T0 + 1260, 1, (long?)null, true)], changed.Select(Row));
    }

    [Fact]
    public void Ordinary_codes_record_nothing()
    {
        Assert.Empty(Apply(New, null, State(0, "1000"), State(1, "7000"), State(2, null)));
    }
}
