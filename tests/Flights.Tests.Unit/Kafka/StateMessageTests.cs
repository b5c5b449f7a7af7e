using System.Text;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;

namespace Flights.Tests.Unit.Kafka;

public sealed class StateMessageTests
{
    [Fact]
    public void A_state_survives_the_round_trip_with_its_snapshot_time()
    {
        var state = new StateVector("abc123", "DLH4AB", "Germany", 1_766_888_058, 1_766_888_059, 8.5, 50.1, 10_000, false, 230.5, 90, -2.5, 10_100, "7000", true, 2, 4);

        Assert.True(StateMessage.TryRead(StateMessage.Serialize(state, 1_766_888_060), out var envelope, out var error), error);

        Assert.Equal(1_766_888_060, envelope.SnapshotTime);
        Assert.Equal(state, envelope.State);
    }

    [Fact]
    public void Null_fields_are_omitted_from_the_document()
    {
        var state = new StateVector("abc123", null, "Germany", null, 1_766_888_059, null, null, null, true, null, null, null, null, null, false, 0, null);

        var json = Encoding.UTF8.GetString(StateMessage.Serialize(state, 1_766_888_060));

        Assert.Equal("{\"v\":1,\"snapshot_time\":1766888060,\"icao24\":\"abc123\",\"origin_country\":\"Germany\",\"last_contact\":1766888059,\"on_ground\":true,\"spi\":false,\"position_source\":0}", json);
    }

    [Theory]
    [InlineData("not json", "invalid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"snapshot_time\":1,\"icao24\":\"abc123\"}", "field v (contract version) is missing")]
    [InlineData("{\"v\":2,\"snapshot_time\":1,\"icao24\":\"abc123\"}", "unsupported contract version 2 (this build reads 1)")]
    [InlineData("{\"v\":1,\"icao24\":\"abc123\"}", "field snapshot_time is missing")]
    [InlineData("{\"v\":1,\"snapshot_time\":1}", "field icao24 is missing")]
    [InlineData("{\"v\":1,\"snapshot_time\":1,\"icao24\":7}", "field icao24: expected a string, got Number at byte 34")]
    [InlineData("{\"v\":1,\"snapshot_time\":1,\"icao24\":\"abc123\",\"latitude\":\"north\"}", "field latitude: expected a number, got String at byte 54")]
    [InlineData("{\"v\":1,\"snapshot_time\":1,\"icao24\":\"abc123\"", "invalid JSON")]
    public void Documents_that_are_not_valid_state_messages_are_refused_with_the_reason(string value, string expected)
    {
        Assert.False(StateMessage.TryRead(Encoding.UTF8.GetBytes(value), out _, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        Assert.True(StateMessage.TryRead("{\"v\":1,\"snapshot_time\":5,\"icao24\":\"abc123\",\"future\":{\"a\":[1]},\"last_contact\":4}"u8, out var envelope, out _));
        Assert.Equal(4, envelope.State.LastContact);
    }

    [Fact]
    public void A_snapshot_marker_survives_the_round_trip_and_is_not_a_state()
    {
        var value = StateMessage.SerializeMarker(new SnapshotMarker(1_766_888_060, 6));

        Assert.Equal("{\"v\":1,\"marker\":\"snapshot\",\"snapshot_time\":1766888060,\"partitions\":6}", Encoding.UTF8.GetString(value));
        Assert.Equal(MessageKind.Marker, StateMessage.Read(value, out _, out var marker, out _));
        Assert.Equal(new SnapshotMarker(1_766_888_060, 6), marker);
        Assert.False(StateMessage.TryRead(value, out _, out var error));
        Assert.Equal("a control message, not a state", error);
    }

    [Fact]
    public void A_control_message_of_an_unknown_kind_is_skipped_not_dead_lettered()
    {
        Assert.Equal(MessageKind.UnknownControl, StateMessage.Read("{\"v\":1,\"marker\":\"watermark\",\"at\":5}"u8, out _, out _, out var error));
        Assert.Equal("control message of unknown kind watermark", error);
    }

    [Theory]
    [InlineData("{\"v\":1,\"marker\":\"snapshot\",\"partitions\":6}", "snapshot marker: field snapshot_time is missing")]
    [InlineData("{\"v\":1,\"marker\":\"snapshot\",\"snapshot_time\":5}", "snapshot marker: field partitions is missing")]
    [InlineData("{\"v\":1,\"marker\":\"snapshot\",\"snapshot_time\":5,\"partitions\":0}", "snapshot marker: partitions must be positive, got 0")]
    [InlineData("{\"v\":1,\"marker\":7,\"snapshot_time\":5,\"partitions\":1}", "field marker: expected a string")]
    public void A_broken_snapshot_marker_is_invalid_with_the_reason(string value, string expected)
    {
        Assert.Equal(MessageKind.Invalid, StateMessage.Read(Encoding.UTF8.GetBytes(value), out _, out _, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
