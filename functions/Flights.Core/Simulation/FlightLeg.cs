using Flights.Core.Airports;

namespace Flights.Core.Simulation;

/// <summary>The phases of a simulated leg, gate to gate.</summary>
public enum FlightPhase
{
    /// <summary>At the gate with the transponder on.</summary>
    Parked,

    /// <summary>Gate to runway.</summary>
    TaxiOut,

    /// <summary>On the runway, accelerating; airborne at its end.</summary>
    TakeoffRoll,

    /// <summary>To cruise altitude, vertical rate falling as the aircraft climbs.</summary>
    Climb,

    /// <summary>Level at cruise altitude.</summary>
    Cruise,

    /// <summary>Down to about 600 m above the destination.</summary>
    Descent,

    /// <summary>Final approach on a ~3° path.</summary>
    Approach,

    /// <summary>Touchdown to taxi speed.</summary>
    LandingRoll,

    /// <summary>Runway to gate.</summary>
    TaxiIn,
}

/// <summary>A period without any state from an aircraft (transponder or coverage).</summary>
/// <param name="From">First second without signal (Unix s).</param>
/// <param name="To">First second with signal again (Unix s).</param>
public sealed record SignalGap(long From, long To)
{
    /// <summary>Length in seconds.</summary>
    public long Seconds => To - From;
}

/// <summary>
/// The ground truth of one simulated leg: who flew from where to where, and when (Unix seconds).
/// </summary>
/// <param name="Icao24">Transponder address.</param>
/// <param name="Callsign">Callsign sent during the leg.</param>
/// <param name="Origin">Ident of the departure airport.</param>
/// <param name="Destination">Ident of the arrival airport.</param>
/// <param name="TransponderOn">First state of the leg (parked at the gate).</param>
/// <param name="OffBlock">Leaves the gate.</param>
/// <param name="Takeoff">Wheels off the runway: the first airborne second.</param>
/// <param name="Landing">Touchdown: the first second on the ground again.</param>
/// <param name="OnBlock">At the gate.</param>
/// <param name="TransponderOff">First second without states after the leg.</param>
/// <param name="DistanceKm">Great-circle distance between the airports.</param>
/// <param name="CruiseAltitudeM">Cruise altitude (barometric, metres).</param>
/// <param name="Gaps">Signal gaps in the air.</param>
/// <param name="SignalLostAt">When the signal ends before touchdown and does not return for the leg; null when the landing is seen.</param>
public sealed record SimulatedLeg(
    string Icao24,
    string Callsign,
    string Origin,
    string Destination,
    long TransponderOn,
    long OffBlock,
    long Takeoff,
    long Landing,
    long OnBlock,
    long TransponderOff,
    double DistanceKm,
    double CruiseAltitudeM,
    IReadOnlyList<SignalGap> Gaps,
    long? SignalLostAt)
{
    /// <summary>Whether the aircraft sends a state at <paramref name="time"/>.</summary>
    public bool HasSignal(long time)
    {
        if (time < TransponderOn || time >= TransponderOff || (SignalLostAt is { } lost && time >= lost))
        {
            return false;
        }

        foreach (var gap in Gaps)
        {
            if (time >= gap.From && time < gap.To)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Where a simulated aircraft is and what it does at one moment.</summary>
/// <param name="Position">Position.</param>
/// <param name="BaroAltitudeM">Barometric altitude; null on the ground (as OpenSky mostly reports it).</param>
/// <param name="VelocityMs">Speed over ground.</param>
/// <param name="TrackDegrees">Track from north.</param>
/// <param name="VerticalRateMs">Vertical rate; null on the ground.</param>
/// <param name="OnGround">Surface position.</param>
/// <param name="Phase">Phase of the leg.</param>
public readonly record struct AircraftKinematics(GeoPoint Position, double? BaroAltitudeM, double VelocityMs, double TrackDegrees, double? VerticalRateMs, bool OnGround, FlightPhase Phase);

/// <summary>One piece of a leg with linear speed and linear vertical rate over its duration.</summary>
internal readonly record struct Segment(FlightPhase Phase, double Start, double Duration, bool OnGround, bool AlongRoute, GeoPoint From, GeoPoint To, double S0, double V0, double V1, double A0, double Vr0, double Vr1)
{
    public double End => Start + Duration;

    public double DistanceAt(double tau) => S0 + V0 * tau + 0.5 * (V1 - V0) / Duration * tau * tau;

    public double Length => DistanceAt(Duration) - S0;

    public double AltitudeAt(double tau) => A0 + Vr0 * tau + 0.5 * (Vr1 - Vr0) / Duration * tau * tau;
}

/// <summary>A planned leg: its truth and the segments that say where the aircraft is at any second of it.</summary>
internal sealed class FlightLeg
{
    private readonly Segment[] segments;
    private readonly GeoPoint routeFrom;
    private readonly GeoPoint routeTo;
    private readonly double routeLengthM;
    private readonly double parkedTrack;

    public FlightLeg(SimulatedLeg truth, Segment[] segments, GeoPoint routeFrom, GeoPoint routeTo, double parkedTrack)
    {
        Truth = truth;
        this.segments = segments;
        this.routeFrom = routeFrom;
        this.routeTo = routeTo;
        routeLengthM = Geo.DistanceKm(routeFrom, routeTo) * 1000;
        this.parkedTrack = parkedTrack;
    }

    public SimulatedLeg Truth { get; }

    public string Squawk { get; init; } = "2000";

    public AircraftKinematics At(double time)
    {
        var index = 0;
        while (index < segments.Length - 1 && time >= segments[index].End)
        {
            index++;
        }

        var segment = segments[index];
        var tau = Math.Clamp(time - segment.Start, 0, segment.Duration);
        var fraction = segment.Duration > 0 ? tau / segment.Duration : 0;
        var velocity = segment.V0 + (segment.V1 - segment.V0) * fraction;
        GeoPoint position;
        double track;
        if (segment.AlongRoute)
        {
            var s = Math.Min(segment.DistanceAt(tau), routeLengthM);
            position = Geo.Intermediate(routeFrom, routeTo, routeLengthM > 0 ? s / routeLengthM : 0);
            track = s < routeLengthM - 1 ? Geo.BearingDegrees(position, routeTo) : Geo.BearingDegrees(routeFrom, routeTo);
        }
        else
        {
            position = Geo.Intermediate(segment.From, segment.To, fraction);
            track = Geo.DistanceKm(segment.From, segment.To) > 0.001 ? Geo.BearingDegrees(segment.From, segment.To) : parkedTrack;
        }

        if (segment.OnGround)
        {
            return new AircraftKinematics(position, null, velocity, track, null, true, segment.Phase);
        }

        var verticalRate = segment.Vr0 + (segment.Vr1 - segment.Vr0) * fraction;
        return new AircraftKinematics(position, segment.AltitudeAt(tau), velocity, track, verticalRate, false, segment.Phase);
    }
}
