using Flights.Core.Airports;
using Flights.Core.OpenSky;

namespace Flights.Core.Simulation;

/// <summary>One simulated aircraft.</summary>
/// <param name="Icao24">Transponder address, unique in the fleet.</param>
/// <param name="Callsign">Callsign, unique in the fleet.</param>
/// <param name="OriginCountry">Country code of its home airport (OpenSky gives the country of the address block).</param>
/// <param name="Home">Ident of the airport it starts from.</param>
public sealed record SimulatedAircraft(string Icao24, string Callsign, string OriginCountry, string Home);

/// <summary>
/// Synthetic air traffic: a fleet flies legs between real airports, and the simulator answers "which states
/// would OpenSky serve at time t", in its state-vector format, with the transponder gaps, positionless and
/// invalid states real data has. Each aircraft plans its legs lazily with its own generator, so any time can
/// be asked for, memory grows with the legs planned, and the answer never depends on what was asked before.
/// Thread-safe: the HTTP endpoint calls it from request threads.
/// </summary>
public sealed class TrafficSimulator
{
    // ICAO airline designators, used only to make callsigns look like callsigns.
    private static readonly string[] Airlines =
    [
        "DLH", "BAW", "AFR", "KLM", "UAL", "AAL", "DAL", "SWA", "RYR", "EZY", "IBE", "AZA", "SAS", "THY", "UAE", "QTR",
        "ETD", "SIA", "CPA", "JAL", "ANA", "QFA", "ACA", "WJA", "LAN", "TAM", "AVA", "ETH", "KQA", "SAA", "CES", "CSN",
        "CCA", "KAL", "AAR", "AIC", "VIR", "FIN", "AUA", "SWR",
    ];

    private readonly SimulationOptions options;
    private readonly Airport[] airports;
    private readonly double[] cumulativeWeight;
    private readonly Track[] tracks;
    private readonly Lock gate = new();

    /// <summary>Builds the fleet; every aircraft starts at a random medium or large airport of the catalogue (and region).</summary>
    public TrafficSimulator(SimulationOptions options, AirportCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalogue);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        this.options = options;
        airports = catalogue.All.Where(a => a.IsMediumOrLarge && (options.Region is not { } box || Inside(box, a.Location))).ToArray();
        if (airports.Length < 2)
        {
            throw new ArgumentException($"the simulation needs at least two medium or large airports{(options.Region is null ? "" : " in the region")}; found {airports.Length}", nameof(catalogue));
        }

        // Large airports see about four times the traffic of medium ones.
        cumulativeWeight = new double[airports.Length];
        var sum = 0.0;
        for (var i = 0; i < airports.Length; i++)
        {
            sum += airports[i].Type == AirportTypes.Large ? 4 : 1;
            cumulativeWeight[i] = sum;
        }

        var seed = (ulong)(uint)options.Seed;
        var offset = DeterministicRandom.Mix(seed) & 0xFFFFFF;
        tracks = new Track[options.Aircraft];
        var fleet = new SimulatedAircraft[options.Aircraft];
        for (var i = 0; i < options.Aircraft; i++)
        {
            var rng = new DeterministicRandom(DeterministicRandom.Mix(seed * 0x100000001B3UL + (ulong)i));
            // An odd multiplier is a bijection modulo 2^24: distinct indexes give distinct addresses.
            var icao24 = (((ulong)i * 0x9E3779UL + offset) & 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
            var callsign = Airlines[i % Airlines.Length] + (1 + i / Airlines.Length).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var home = PickAirport(rng);
            var firstOn = options.Start - (long)(rng.NextDouble() * options.WarmUp.TotalSeconds);
            tracks[i] = new Track((ulong)i, new SimulatedAircraft(icao24, callsign, home.IsoCountry, home.Ident), rng, home, firstOn);
            fleet[i] = tracks[i].Aircraft;
        }

        Fleet = fleet;
    }

    /// <summary>The aircraft, in index order.</summary>
    public IReadOnlyList<SimulatedAircraft> Fleet { get; }

    /// <summary>The options it runs with.</summary>
    public SimulationOptions Options => options;

    /// <summary>Snapshot times from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), one per resolution step.</summary>
    public IEnumerable<long> SnapshotTimes(long from, long to)
    {
        var step = (long)options.Resolution.TotalSeconds;
        for (var t = from; t < to; t += step)
        {
            yield return t;
        }
    }

    /// <summary>What OpenSky would serve at <paramref name="time"/>, optionally only inside a bounding box.</summary>
    public StatesSnapshot SnapshotAt(long time, BoundingBox? box = null, bool extended = false)
    {
        var states = new List<StateVector>();
        lock (gate)
        {
            foreach (var track in tracks)
            {
                var leg = track.LegAt(time, this);
                if (leg is null || !leg.Truth.HasSignal(time))
                {
                    continue;
                }

                var k = leg.At(time);
                if (box is { } b && !Inside(b, k.Position))
                {
                    continue;
                }

                states.Add(State(track, leg, k, time, extended));
            }
        }

        return new StatesSnapshot(time, states);
    }

    /// <summary>Whether the state of aircraft <paramref name="index"/> (its place in <see cref="Fleet"/>) at <paramref name="time"/> is sent with a spoofed position, if it is sent with a position at all.</summary>
    public bool IsSpoofed(int index, long time)
    {
        var roll = DeterministicRandom.Hash((ulong)(uint)options.Seed, (ulong)index, (ulong)time);
        var spoof = roll - options.PositionlessRate - options.InvalidRate;
        return spoof >= 0 && spoof < options.SpoofRate;
    }

    /// <summary>The truth: every leg that has a state in [<paramref name="from"/>, <paramref name="to"/>), by aircraft then time.</summary>
    public IReadOnlyList<SimulatedLeg> Legs(long from, long to)
    {
        var legs = new List<SimulatedLeg>();
        lock (gate)
        {
            foreach (var track in tracks)
            {
                track.PlanUntil(to, this);
                legs.AddRange(track.Legs.Select(l => l.Truth).Where(l => l.TransponderOff > from && l.TransponderOn < to));
            }
        }

        return legs;
    }

    private StateVector State(Track track, FlightLeg leg, AircraftKinematics k, long time, bool extended)
    {
        var roll = DeterministicRandom.Hash((ulong)(uint)options.Seed, track.Index, (ulong)time);
        var positionless = roll < options.PositionlessRate;
        var state = new StateVector(
            track.Aircraft.Icao24,
            track.Aircraft.Callsign,
            track.Aircraft.OriginCountry,
            positionless ? null : time,
            time,
            positionless ? null : Math.Round(k.Position.Longitude, 4),
            positionless ? null : Math.Round(k.Position.Latitude, 4),
            k.BaroAltitudeM is { } baro ? Math.Round(baro, 2) : null,
            k.OnGround,
            Math.Round(k.VelocityMs, 2),
            Math.Round(k.TrackDegrees, 2),
            k.VerticalRateMs is { } vr ? Math.Round(vr, 2) : null,
            k.BaroAltitudeM is { } geo ? Math.Round(geo * 1.012 + 30, 2) : null, // GPS height differs from the pressure altitude
            leg.Squawk,
            false,
            0,
            extended ? 3 : null);
        var invalid = roll - options.PositionlessRate;
        var spoof = invalid - options.InvalidRate;
        if (state.Latitude is not null && spoof >= 0 && spoof < options.SpoofRate)
        {
            // The band of the roll after the positionless and invalid ones: a seed's other states are unchanged by
            // the rate, and a second hash picks the direction and the length of the jump.
            var u = spoof / options.SpoofRate;
            var jumped = Geo.Destination(k.Position, u * 360, 300 + 600 * DeterministicRandom.Hash((ulong)(uint)options.Seed ^ 0x5B00F, track.Index, (ulong)time));
            state = state with { Latitude = Math.Round(jumped.Latitude, 4), Longitude = Math.Round(jumped.Longitude, 4) };
        }

        if (invalid >= 0 && invalid < options.InvalidRate)
        {
            // The three kinds of nonsense the cleaner must reject, one each in turn.
            state = (int)(invalid / options.InvalidRate * 3) switch
            {
                0 => state with { Icao24 = "~" + state.Icao24[1..] },
                1 => state with { Latitude = 91.5, Longitude = state.Longitude ?? 0, TimePosition = time },
                _ => state with { LastContact = time + 3600, TimePosition = time + 3600 },
            };
        }

        return state;
    }

    private Airport PickAirport(DeterministicRandom rng)
    {
        var x = rng.NextDouble() * cumulativeWeight[^1];
        var i = Array.BinarySearch(cumulativeWeight, x);
        return airports[Math.Min(airports.Length - 1, i < 0 ? ~i : i + 1)];
    }

    // Mostly short and medium haul, some long haul; at least 100 km so that a climb and a descent fit.
    private Airport PickDestination(DeterministicRandom rng, Airport from)
    {
        var band = rng.NextDouble();
        var (min, max) = band < 0.6 ? (150.0, 1200.0) : band < 0.9 ? (1200.0, 4000.0) : (4000.0, 11000.0);
        Airport? fallback = null;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = PickAirport(rng);
            var distance = Geo.DistanceKm(from.Location, candidate.Location);
            if (distance >= min && distance <= max)
            {
                return candidate;
            }

            if (distance >= 100)
            {
                fallback ??= candidate;
            }
        }

        return fallback ?? throw new InvalidOperationException($"no airport at least 100 km from {from.Ident} in the simulation's region: choose a larger region");
    }

    private static bool Inside(BoundingBox box, GeoPoint p) =>
        p.Latitude >= box.LaMin && p.Latitude <= box.LaMax && p.Longitude >= box.LoMin && p.Longitude <= box.LoMax;

    private sealed class Track(ulong index, SimulatedAircraft aircraft, DeterministicRandom rng, Airport home, long firstOn)
    {
        private Airport at = home;
        private long nextOn = firstOn;
        private int cursor;

        public ulong Index { get; } = index;

        public SimulatedAircraft Aircraft { get; } = aircraft;

        public List<FlightLeg> Legs { get; } = [];

        public void PlanUntil(long time, TrafficSimulator simulator)
        {
            while (nextOn <= time)
            {
                var destination = simulator.PickDestination(rng, at);
                var leg = LegPlanner.Plan(rng, at, destination, nextOn, Aircraft.Icao24, Aircraft.Callsign, simulator.options);
                Legs.Add(leg);
                at = destination;
                nextOn = leg.Truth.TransponderOff + (long)rng.Between(1800, 4 * 3600); // turnaround with the transponder off
            }
        }

        public FlightLeg? LegAt(long time, TrafficSimulator simulator)
        {
            PlanUntil(time, simulator);
            if (cursor >= Legs.Count || Legs[cursor].Truth.TransponderOn > time)
            {
                cursor = 0; // asked for an earlier time: search from the start
            }

            while (cursor < Legs.Count - 1 && Legs[cursor].Truth.TransponderOff <= time)
            {
                cursor++;
            }

            var leg = Legs.Count > 0 ? Legs[cursor] : null;
            return leg is not null && time >= leg.Truth.TransponderOn && time < leg.Truth.TransponderOff ? leg : null;
        }
    }
}
