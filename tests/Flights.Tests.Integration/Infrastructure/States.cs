using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Processing;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>Builds state messages for tests: times are minutes after a fixed base time.</summary>
public static class States
{
    /// <summary>2026-01-01T12:00:00Z.</summary>
    public const long BaseTime = 1_767_268_800;

    private static long offset;

    public static StateVector Vector(string icao24, double minute, double? lat = 50.0, double? lon = 8.0, bool onGround = false, string? callsign = "TEST1", double? altitude = 10_000, double? velocity = 230)
    {
        var t = BaseTime + (long)(minute * 60);
        return new StateVector(icao24, callsign, "Germany", lat is null ? null : t, t, lon, lat, altitude, onGround, velocity, 90, 0, altitude, "1000", false, 0, null);
    }

    public static IncomingMessage Message(StateVector state, long? snapshotTime = null) =>
        new("flight_raw_data", 0, Interlocked.Increment(ref offset), System.Text.Encoding.UTF8.GetBytes(state.Icao24), StateMessage.Serialize(state, snapshotTime ?? state.LastContact ?? BaseTime));

    public static IncomingMessage At(string icao24, double minute, double? lat = 50.0, double? lon = 8.0, bool onGround = false, string? callsign = "TEST1") =>
        Message(Vector(icao24, minute, lat, lon, onGround, callsign));

    public static DateTime Time(double minute) => DateTime.UnixEpoch.AddSeconds(BaseTime + (long)(minute * 60));
}
