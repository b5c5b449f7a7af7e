using System.Text.Json;
using Flights.Core.Airports;
using Flights.Core.OpenSky;
using Flights.Core.Simulation;

namespace Flights.Tests.Unit.Simulation;

public class TrafficSimulatorTests
{
    private const long Start = 1_767_225_600; // 2026-01-01 00:00Z
    private const long Day = 86_400;

    private static TrafficSimulator Simulator(int aircraft = 10, int seed = 1, SimulationOptions? options = null) =>
        new((options ?? new SimulationOptions()) with { Aircraft = aircraft, Seed = seed, Start = Start }, AirportCatalogue.BuiltIn);

    private static List<StatesSnapshot> Snapshots(TrafficSimulator simulator, long hours) =>
        simulator.SnapshotTimes(Start, Start + hours * 3600).Select(t => simulator.SnapshotAt(t)).ToList();

    [Fact]
    public void The_same_seed_gives_the_same_states_and_another_seed_other_traffic()
    {
        var a = Snapshots(Simulator(seed: 5), 2).SelectMany(s => s.States).ToList();
        var b = Snapshots(Simulator(seed: 5), 2).SelectMany(s => s.States).ToList();
        var c = Snapshots(Simulator(seed: 6), 2).SelectMany(s => s.States).ToList();

        Assert.NotEmpty(a);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(s => s.Icao24).Distinct(), c.Select(s => s.Icao24).Distinct());
    }

    [Fact]
    public void More_aircraft_add_traffic_without_changing_the_first_aircraft()
    {
        var small = Simulator(aircraft: 5);
        var large = Simulator(aircraft: 50);
        var firstFive = small.Fleet.Select(a => a.Icao24).ToHashSet();

        var expected = small.Legs(Start, Start + Day);
        Assert.NotEmpty(expected);
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(large.Legs(Start, Start + Day).Where(l => firstFive.Contains(l.Icao24))));
    }

    [Fact]
    public void Twenty_thousand_aircraft_have_unique_icao24s_and_callsigns()
    {
        var fleet = Simulator(aircraft: 20_000).Fleet;

        Assert.Equal(20_000, fleet.Select(a => a.Icao24).Distinct().Count());
        Assert.Equal(20_000, fleet.Select(a => a.Callsign).Distinct().Count());
        Assert.All(fleet, a => Assert.Matches("^[0-9a-f]{6}$", a.Icao24));
        Assert.All(fleet, a => Assert.InRange(a.Callsign.Length, 4, 8));
    }

    [Fact]
    public void Every_leg_flies_gate_to_gate_between_its_airports_with_airliner_speeds_and_vertical_rates()
    {
        var simulator = Simulator(aircraft: 30, options: new SimulationOptions { ShortGapRate = 0, LongGapRate = 0, LostBeforeLandingRate = 0, PositionlessRate = 0, InvalidRate = 0 });
        var legs = simulator.Legs(Start, Start + Day).Where(l => l.TransponderOn >= Start).ToList();
        var catalogue = AirportCatalogue.BuiltIn;

        Assert.True(legs.Count > 50, $"{legs.Count} legs");
        foreach (var leg in legs)
        {
            Assert.True(leg.TransponderOn < leg.OffBlock && leg.OffBlock < leg.Takeoff && leg.Takeoff < leg.Landing && leg.Landing < leg.OnBlock && leg.OnBlock < leg.TransponderOff, leg.ToString());
            var origin = catalogue.Find(leg.Origin)!.Location;
            var destination = catalogue.Find(leg.Destination)!.Location;
            Assert.InRange(leg.DistanceKm, 100, 20_040);
            StateVector? previous = null;
            double maxAltitude = 0;
            for (var t = leg.TransponderOn; t < leg.TransponderOff; t += 10)
            {
                var state = Assert.Single(simulator.SnapshotAt(t).States, s => s.Icao24 == leg.Icao24);
                var airborne = t >= leg.Takeoff && t < leg.Landing;
                Assert.Equal(!airborne, state.OnGround);
                Assert.InRange(state.Velocity!.Value, 0, 250);
                var here = new GeoPoint(state.Latitude!.Value, state.Longitude!.Value);
                if (t < leg.Takeoff)
                {
                    Assert.True(Geo.DistanceKm(here, origin) < 3, $"{leg.Icao24} {Geo.DistanceKm(here, origin)} km from {leg.Origin} before takeoff");
                }
                else if (t >= leg.Landing)
                {
                    Assert.True(Geo.DistanceKm(here, destination) < 3, $"{leg.Icao24} {Geo.DistanceKm(here, destination)} km from {leg.Destination} after landing");
                }
                else
                {
                    Assert.InRange(state.VerticalRate!.Value, -10, 14);
                    Assert.InRange(state.Velocity.Value, 60, 250);
                    maxAltitude = Math.Max(maxAltitude, state.BaroAltitude!.Value);
                    if (previous is { OnGround: false } p)
                    {
                        // Ten seconds apart, the aircraft moved about as far as its speed says.
                        var moved = Geo.DistanceKm(new GeoPoint(p.Latitude!.Value, p.Longitude!.Value), here) * 1000;
                        Assert.InRange(moved, (p.Velocity!.Value + state.Velocity.Value) / 2 * 10 * 0.9 - 50, (p.Velocity.Value + state.Velocity.Value) / 2 * 10 * 1.1 + 50);
                    }
                }

                previous = state;
            }

            Assert.Equal(leg.CruiseAltitudeM, maxAltitude, 0);
        }
    }

    [Fact]
    public void Transponder_gaps_leave_an_aircraft_out_of_the_snapshots_and_some_are_longer_than_the_flight_end_threshold()
    {
        var simulator = Simulator(aircraft: 200);
        var legs = simulator.Legs(Start, Start + Day);
        var gaps = legs.SelectMany(l => l.Gaps.Select(g => (l.Icao24, g))).ToList();

        Assert.Contains(gaps, x => x.g.Seconds > 20 * 60);
        Assert.Contains(gaps, x => x.g.Seconds < 20 * 60);
        Assert.Contains(legs, l => l.SignalLostAt is not null);
        foreach (var (icao24, gap) in gaps.Take(20))
        {
            var inside = gap.From + (gap.To - gap.From) / 2 / 10 * 10;
            Assert.DoesNotContain(simulator.SnapshotAt(inside).States, s => s.Icao24 == icao24);
        }
    }

    [Fact]
    public void About_one_state_in_a_hundred_has_no_position_and_a_few_are_invalid_in_the_three_ways_the_cleaner_rejects()
    {
        var states = Snapshots(Simulator(aircraft: 200), 6).SelectMany(s => s.States.Select(v => (s.Time, v))).ToList();
        var positionless = states.Count(x => x.v.TimePosition is null && x.v.Latitude is null && x.v.LastContact == x.Time);

        Assert.InRange(positionless / (double)states.Count, 0.008, 0.012);
        Assert.Contains(states, x => x.v.Icao24.StartsWith('~'));
        Assert.Contains(states, x => x.v.Latitude > 90);
        Assert.Contains(states, x => x.v.LastContact == x.Time + 3600);
        Assert.InRange(states.Count(x => x.v.Icao24.StartsWith('~') || x.v.Latitude > 90 || x.v.LastContact > x.Time), states.Count / 4000, states.Count / 1000);
    }

    [Fact]
    public void A_spoof_rate_moves_that_share_of_positions_300_to_900_km_for_one_state_and_leaves_every_other_state_as_it_was()
    {
        var plain = Simulator(aircraft: 100);
        var spoofing = Simulator(aircraft: 100, options: new SimulationOptions { SpoofRate = 0.01 });
        var index = spoofing.Fleet.Select((a, i) => (a.Icao24, i)).ToDictionary(a => a.Icao24, a => a.i);
        var pairs = Snapshots(plain, 6).Zip(Snapshots(spoofing, 6)).SelectMany(p => p.First.States.Zip(p.Second.States, (a, b) => (p.First.Time, Real: a, Sent: b))).ToList();

        var moved = pairs.Where(x => x.Real != x.Sent).ToList();
        Assert.All(moved, x =>
        {
            Assert.True(spoofing.IsSpoofed(index[x.Sent.Icao24], x.Time));
            Assert.Equal(x.Real, x.Sent with { Latitude = x.Real.Latitude, Longitude = x.Real.Longitude });
            Assert.InRange(Geo.DistanceKm(new GeoPoint(x.Real.Latitude!.Value, x.Real.Longitude!.Value), new GeoPoint(x.Sent.Latitude!.Value, x.Sent.Longitude!.Value)), 299, 901);
        });
        Assert.All(pairs.Where(x => x.Real == x.Sent && x.Real.Latitude is not null && index.ContainsKey(x.Real.Icao24)), x => Assert.False(spoofing.IsSpoofed(index[x.Sent.Icao24], x.Time))); // invalid icao24s ("~...") are no aircraft of the fleet
        Assert.InRange(moved.Count / (double)pairs.Count, 0.008, 0.012);
        Assert.Equal(Snapshots(spoofing, 1).SelectMany(s => s.States), Snapshots(Simulator(aircraft: 100, options: new SimulationOptions { SpoofRate = 0.01 }), 1).SelectMany(s => s.States));
    }

    [Fact]
    public void A_snapshot_written_as_OpenSky_json_parses_back_to_the_same_states()
    {
        var simulator = Simulator(aircraft: 300);
        var snapshot = simulator.SnapshotAt(Start + 3600, extended: true);

        var parsed = StatesParser.Parse(StatesJson.ToBytes(snapshot, extended: true));

        Assert.Equal(snapshot.Time, parsed.Time);
        Assert.Equal(snapshot.States, parsed.States);
        Assert.Contains(parsed.States, s => !s.OnGround);
        Assert.Contains(parsed.States, s => s.OnGround);
    }

    [Fact]
    public void A_bounding_box_keeps_only_the_aircraft_inside_it()
    {
        var simulator = Simulator(aircraft: 500);
        var box = new BoundingBox(35, -10, 60, 30);

        var all = simulator.SnapshotAt(Start + 7200);
        var inside = simulator.SnapshotAt(Start + 7200, box);

        Assert.NotEmpty(inside.States);
        Assert.Equal(all.States.Where(s => s.Latitude is >= 35 and <= 60 && s.Longitude is >= -10 and <= 30), inside.States);
    }

    [Fact]
    public void A_region_limits_the_airports_and_one_without_two_airports_is_refused()
    {
        var europe = new BoundingBox(35, -10, 60, 30);
        var legs = Simulator(aircraft: 40, options: new SimulationOptions { Region = europe }).Legs(Start, Start + Day);
        var catalogue = AirportCatalogue.BuiltIn;

        Assert.All(legs.SelectMany(l => new[] { l.Origin, l.Destination }), ident => Assert.True(catalogue.Find(ident)!.Location is { Latitude: >= 35 and <= 60, Longitude: >= -10 and <= 30 }, ident));
        var error = Assert.Throws<ArgumentException>(() => Simulator(options: new SimulationOptions { Region = new BoundingBox(0, -30, 1, -29) }));
        Assert.StartsWith("the simulation needs at least two medium or large airports in the region; found 0", error.Message);
    }
}
