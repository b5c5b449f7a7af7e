using Flights.Core.Airports;

namespace Flights.Core.Simulation;

/// <summary>
/// Plans one leg gate to gate with the figures of a typical jet airliner: taxi at walking-to-cycling speed,
/// a 35 s roll to 75 m/s, a climb whose rate falls from 14 to 6 m/s while the speed builds to cruise
/// (190-250 m/s by leg length), cruise at a flight level chosen by distance, a descent at 10 to 6 m/s, a
/// final approach at 3.6 m/s (about 3° at 70 m/s) and a 40 s landing roll. Every segment lasts whole seconds,
/// so each phase change falls on a second and the truth times are exact.
/// </summary>
internal static class LegPlanner
{
    private const double RollSeconds = 35;
    private const double RollSpeed = 75;
    private const double ClimbStartSpeed = 80;
    private const double ClimbRateStart = 14;
    private const double ClimbRateEnd = 6;
    private const double DescentRateStart = -10;
    private const double DescentRateEnd = -6;
    private const double DescentEndSpeed = 90;
    private const double ApproachHeight = 600;
    private const double ApproachRate = -3.6;
    private const double ApproachSpeedStart = 75;
    private const double ApproachSpeedEnd = 70;
    private const double LandingRollSeconds = 40;
    private const double LandingRollEndSpeed = 10;

    public static FlightLeg Plan(DeterministicRandom rng, Airport origin, Airport destination, long transponderOn, string icao24, string callsign, SimulationOptions options)
    {
        var distanceKm = Geo.DistanceKm(origin.Location, destination.Location);
        var routeM = distanceKm * 1000;
        var elevationO = origin.ElevationM ?? 0;
        var elevationD = destination.ElevationM ?? 0;
        var cruiseSpeed = distanceKm < 600 ? rng.Between(190, 220) : rng.Between(225, 250);
        var cruiseAltitude = distanceKm switch
        {
            < 400 => rng.Between(5000, 7500),
            < 1000 => rng.Between(8000, 10500),
            _ => rng.Between(10000, 12000),
        };
        cruiseAltitude = Math.Round(cruiseAltitude / 300) * 300; // flight levels are 1,000 ft (~300 m) apart
        var lowest = Math.Max(elevationO, elevationD) + 1500;
        cruiseAltitude = Math.Max(cruiseAltitude, Math.Ceiling(lowest / 300) * 300);

        // Lower the cruise level until climb, descent and approach fit into the leg's distance.
        double climbSeconds, descentSeconds, cruiseSeconds;
        var approachSeconds = Math.Round(ApproachHeight / -ApproachRate);
        while (true)
        {
            climbSeconds = Math.Round((cruiseAltitude - elevationO) / ((ClimbRateStart + ClimbRateEnd) / 2));
            descentSeconds = Math.Round((cruiseAltitude - (elevationD + ApproachHeight)) / (-(DescentRateStart + DescentRateEnd) / 2));
            var fixedM = RollSpeed / 2 * RollSeconds
                + (ClimbStartSpeed + cruiseSpeed) / 2 * climbSeconds
                + (cruiseSpeed + DescentEndSpeed) / 2 * descentSeconds
                + (ApproachSpeedStart + ApproachSpeedEnd) / 2 * approachSeconds
                + (ApproachSpeedEnd + LandingRollEndSpeed) / 2 * LandingRollSeconds;
            cruiseSeconds = Math.Round((routeM - fixedM) / cruiseSpeed);
            if (cruiseSeconds >= 0 || cruiseAltitude - 300 < lowest)
            {
                cruiseSeconds = Math.Max(0, cruiseSeconds);
                break;
            }

            cruiseAltitude -= 300;
        }

        var gateOut = Geo.Destination(origin.Location, rng.Between(0, 360), rng.Between(0.4, 1.5));
        var gateIn = Geo.Destination(destination.Location, rng.Between(0, 360), rng.Between(0.4, 1.5));
        var segments = new List<Segment>(10);
        double t = transponderOn;
        double s = 0;
        void Ground(FlightPhase phase, double seconds, GeoPoint from, GeoPoint to)
        {
            var speed = Geo.DistanceKm(from, to) * 1000 / seconds;
            segments.Add(new Segment(phase, t, seconds, true, false, from, to, 0, speed, speed, 0, 0, 0));
            t += seconds;
        }

        void Route(FlightPhase phase, double seconds, bool onGround, double v0, double v1, double a0, double vr0, double vr1)
        {
            var segment = new Segment(phase, t, seconds, onGround, true, default, default, s, v0, v1, a0, vr0, vr1);
            segments.Add(segment);
            s += segment.Length;
            t += seconds;
        }

        Ground(FlightPhase.Parked, Math.Round(rng.Between(180, 900)), gateOut, gateOut);
        var offBlock = t;
        Ground(FlightPhase.TaxiOut, Math.Round(rng.Between(240, 720)), gateOut, origin.Location);
        Route(FlightPhase.TakeoffRoll, RollSeconds, true, 0, RollSpeed, elevationO, 0, 0);
        var takeoff = t;
        Route(FlightPhase.Climb, climbSeconds, false, ClimbStartSpeed, cruiseSpeed, elevationO, ClimbRateStart, ClimbRateEnd);
        var cruiseStart = t;
        Route(FlightPhase.Cruise, Math.Max(1, cruiseSeconds), false, cruiseSpeed, cruiseSpeed, cruiseAltitude, 0, 0);
        var cruiseEnd = t;
        Route(FlightPhase.Descent, descentSeconds, false, cruiseSpeed, DescentEndSpeed, cruiseAltitude, DescentRateStart, DescentRateEnd);
        Route(FlightPhase.Approach, approachSeconds, false, ApproachSpeedStart, ApproachSpeedEnd, elevationD + ApproachHeight, ApproachRate, ApproachRate);
        var landing = t;
        Route(FlightPhase.LandingRoll, LandingRollSeconds, true, ApproachSpeedEnd, LandingRollEndSpeed, elevationD, 0, 0);
        Ground(FlightPhase.TaxiIn, Math.Round(rng.Between(180, 600)), destination.Location, gateIn);
        var onBlock = t;
        Ground(FlightPhase.Parked, Math.Round(rng.Between(120, 600)), gateIn, gateIn);
        var transponderOff = t;

        var gaps = new List<SignalGap>(2);
        if (rng.Chance(options.ShortGapRate))
        {
            var length = Math.Round(rng.Between(60, 720));
            var latest = landing - 300 - length;
            if (latest > takeoff + 120)
            {
                var from = Math.Round(rng.Between(takeoff + 120, latest));
                gaps.Add(new SignalGap((long)from, (long)(from + length)));
            }
        }

        if (rng.Chance(options.LongGapRate))
        {
            var length = Math.Round(rng.Between(1500, 2700));
            var latest = cruiseEnd - 60 - length;
            if (latest > cruiseStart + 60)
            {
                var from = Math.Round(rng.Between(cruiseStart + 60, latest));
                if (gaps.All(g => from + length < g.From || from > g.To))
                {
                    gaps.Add(new SignalGap((long)from, (long)(from + length)));
                }
            }
        }

        long? lostAt = rng.Chance(options.LostBeforeLandingRate) ? (long)(landing - Math.Round(rng.Between(120, 480))) : null;
        if (lostAt is { } lost)
        {
            gaps.RemoveAll(g => g.To > lost);
        }

        gaps.Sort((a, b) => a.From.CompareTo(b.From));
        var truth = new SimulatedLeg(icao24, callsign, origin.Ident, destination.Ident, transponderOn, (long)offBlock, (long)takeoff, (long)landing,
            (long)onBlock, (long)transponderOff, Math.Round(distanceKm, 1), cruiseAltitude, gaps, lostAt);
        var squawk = $"{rng.Next(8)}{rng.Next(8)}{rng.Next(8)}{rng.Next(8)}";
        if (squawk is "7500" or "7600" or "7700")
        {
            squawk = "2000"; // emergencies are not simulated by accident
        }

        return new FlightLeg(truth, [.. segments], origin.Location, destination.Location, rng.Between(0, 360)) { Squawk = squawk };
    }
}
