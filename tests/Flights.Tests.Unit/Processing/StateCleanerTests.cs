using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Processing;
using Flights.Core.Sessions;

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

    // The wall clock of these tests: 2025-12-28, the day of Snapshot.
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(Snapshot + 60);

    private static RejectReason? CleanAt(long snapshotTime, long? lastContact = null)
    {
        var latest = SnapshotTimes.Latest(Now, TimeSpan.FromMinutes(10));
        return StateCleaner.TryClean(new StateEnvelope(snapshotTime, Valid() with { LastContact = lastContact ?? snapshotTime, TimePosition = lastContact ?? snapshotTime }), Skew, latest, out _);
    }

    [Theory]
    [InlineData(285_000_000_000L)] // year ~11000: a batch holding it used to fail for good ("un-representable DateTime")
    [InlineData(long.MaxValue)]
    [InlineData(4_102_444_800L)] // 2100-01-01
    [InlineData(1_766_888_059L + 60 + 601)] // 10 min 1 s ahead of the wall clock
    public void A_snapshot_time_beyond_the_allowed_lead_on_the_wall_clock_is_rejected_as_in_the_future(long snapshotTime) =>
        Assert.Equal(RejectReason.SnapshotTimeInFuture, CleanAt(snapshotTime));

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(946_684_799L)] // one second before 2000-01-01
    public void A_snapshot_time_before_2000_is_rejected_as_too_early(long snapshotTime) =>
        Assert.Equal(RejectReason.SnapshotTimeTooEarly, CleanAt(snapshotTime));

    [Fact]
    public void A_snapshot_ten_minutes_ahead_of_the_wall_clock_is_still_accepted() =>
        Assert.Null(CleanAt(Now.ToUnixTimeSeconds() + 600));

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(285_000_000_000L)]
    public void A_state_time_far_beyond_a_plausible_snapshot_is_rejected_as_ahead_of_its_snapshot(long lastContact) =>
        Assert.Equal(RejectReason.TimeAheadOfSnapshot, StateCleaner.TryClean(new StateEnvelope(Snapshot, Valid() with { LastContact = lastContact }), Skew, SnapshotTimes.Latest(Now, TimeSpan.FromMinutes(10)), out _));

    [Fact]
    public void Without_a_wall_clock_a_snapshot_time_that_no_date_can_hold_is_still_rejected() =>
        Assert.Equal(RejectReason.SnapshotTimeInFuture, StateCleaner.TryClean(new StateEnvelope(285_000_000_000L, Valid() with { LastContact = 285_000_000_000L }), Skew, out _));

    [Fact]
    public void The_refusal_line_names_the_time_and_the_wall_clock()
    {
        Assert.Equal("snapshot time 4102444800 (2100-01-01 00:00:00Z) is more than 00:10:00 ahead of the wall clock (2025-12-28 02:15:19Z)", SnapshotTimes.Problem(4_102_444_800L, Now, TimeSpan.FromMinutes(10)));
        Assert.Equal("snapshot time 285000000000 (not a representable date) is more than 00:10:00 ahead of the wall clock (2025-12-28 02:15:19Z)", SnapshotTimes.Problem(285_000_000_000L, Now, TimeSpan.FromMinutes(10)));
        Assert.Equal("snapshot time 0 (1970-01-01 00:00:00Z) is before 2000-01-01", SnapshotTimes.Problem(0, Now, TimeSpan.FromMinutes(10)));
        Assert.Null(SnapshotTimes.Problem(Snapshot, Now, TimeSpan.FromMinutes(10)));
    }
}
