using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Processing;

namespace Flights.Tests.Unit.Processing;

public sealed class StateCleanerTests
{
    private const long Snapshot = 1_766_888_059;
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private static StateVector Valid() => new("4b1815", "SWR123  ", "Switzerland", Snapshot - 1, Snapshot, 8.55, 47.45, 10_972.8, false, 250.0, 88.5, -1.3, 11_100.0, "1000", false, 0, 3);

    private static (RejectReason? Reason, CleanState State) Clean(StateVector state, long snapshot = Snapshot)
    {
        var reason = StateCleaner.TryClean(new StateEnvelope(snapshot, state), Skew, out var clean);
        return (reason, clean);
    }

    [Fact]
    public void A_valid_state_converts_velocity_to_kmh_and_trims_the_callsign()
    {
        var (reason, state) = Clean(Valid());

        Assert.Null(reason);
        Assert.Equal(900.0, state.VelocityKmh!.Value, 9);
        Assert.Equal("SWR123", state.Callsign);
        Assert.Equal((47.45, 8.55, Snapshot - 1), (state.Latitude!.Value, state.Longitude!.Value, state.PositionTime!.Value));
        Assert.Equal(10_972.8, state.BaroAltitudeM);
        Assert.Equal((short)3, state.Category);
        Assert.True(state.HasPosition);
    }

    [Theory]
    [InlineData("4B1815", "4b1815")]
    [InlineData(" 4b1815 ", "4b1815")]
    [InlineData("abcdef", "abcdef")]
    public void Icao24_is_normalised_to_six_lower_case_hex_digits(string raw, string expected) =>
        Assert.Equal(expected, Clean(Valid() with { Icao24 = raw }).State.Icao24);

    [Theory]
    [InlineData("4b181")]
    [InlineData("4b18155")]
    [InlineData("4g1815")]
    [InlineData("")]
    public void An_icao24_that_is_not_six_hex_digits_is_rejected(string raw) =>
        Assert.Equal(RejectReason.InvalidIcao24, Clean(Valid() with { Icao24 = raw }).Reason);

    [Theory]
    [InlineData("BRV 4   ", "BRV 4")]
    [InlineData("        ", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Callsigns_are_trimmed_at_the_ends_only_and_blank_becomes_null(string? raw, string? expected) =>
        Assert.Equal(expected, Clean(Valid() with { Callsign = raw }).State.Callsign);

    [Theory]
    [InlineData(90.0001, 8.0)]
    [InlineData(-90.5, 8.0)]
    [InlineData(47.0, 180.01)]
    [InlineData(47.0, -181.0)]
    public void Coordinates_out_of_range_are_rejected(double lat, double lon) =>
        Assert.Equal(RejectReason.PositionOutOfRange, Clean(Valid() with { Latitude = lat, Longitude = lon }).Reason);

    [Fact]
    public void Half_a_position_is_no_position()
    {
        var (reason, state) = Clean(Valid() with { Longitude = null });

        Assert.Null(reason);
        Assert.False(state.HasPosition);
        Assert.Null(state.Latitude);
        Assert.Null(state.PositionTime);
    }

    [Fact]
    public void A_position_without_a_position_time_is_no_position() =>
        Assert.False(Clean(Valid() with { TimePosition = null }).State.HasPosition);

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_numbers_are_rejected(double value) =>
        Assert.Equal(RejectReason.NonFiniteNumber, Clean(Valid() with { Velocity = value }).Reason);

    [Fact]
    public void A_state_more_than_the_skew_ahead_of_its_snapshot_is_rejected()
    {
        Assert.Equal(RejectReason.TimeAheadOfSnapshot, Clean(Valid() with { LastContact = Snapshot + 31 }).Reason);
        Assert.Null(Clean(Valid() with { LastContact = Snapshot + 30 }).Reason);
    }

    [Fact]
    public void A_missing_last_contact_is_rejected() =>
        Assert.Equal(RejectReason.MissingTime, Clean(Valid() with { LastContact = null }).Reason);

    [Fact]
    public void Negative_altitudes_are_kept_in_metres() =>
        Assert.Equal(-30.48, Clean(Valid() with { BaroAltitude = -30.48 }).State.BaroAltitudeM);
}
