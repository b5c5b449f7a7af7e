using Dapper;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Insight;

/// <summary>Airports, implausible positions and emergency squawks through the real processor and closer, checked row by row.</summary>
public sealed class FlightIntelligenceTests
{
    private static readonly AirportRow Dca = TestAirports.Dca;
    private static readonly AirportRow Iad = TestAirports.Iad;

    private static Flights.Core.Kafka.IncomingMessage Airborne(string icao24, double minute, double lat, double lon, double altitude, string? squawk = "1000") =>
        Message(Vector(icao24, minute, lat, lon, altitude: altitude) with { Squawk = squawk });

    private static Flights.Core.Kafka.IncomingMessage Ground(string icao24, double minute, double lat, double lon) =>
        Message(Vector(icao24, minute, lat, lon, onGround: true, altitude: null, velocity: 20));

    [Fact]
    public async Task Loading_the_airports_twice_changes_nothing_and_a_changed_airport_is_updated()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();

        var first = await TestAirports.LoadAsync(db);
        var again = await TestAirports.LoadAsync(db);
        var changed = await TestAirports.LoadAsync(db, Dca with { ElevationM = 5 }, Iad);

        Assert.Equal(new AirportLoadResult(4, 4, 0, 0), first);
        Assert.Equal(new AirportLoadResult(4, 0, 0, 4), again);
        Assert.Equal(new AirportLoadResult(2, 0, 1, 1), changed);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string, string, double?, string?)>("select ident, type, elevation_m, iata_code from airports order by ident");
        Assert.Equal([("KADW", "medium_airport", 85.344, "ADW"), ("KBWI", "large_airport", 44.5008, "BWI"), ("KDCA", "large_airport", 5.0, "DCA"), ("KIAD", "large_airport", 95.0976, "IAD")], rows);
    }

    [Fact]
    public async Task A_takeoff_from_Reagan_National_names_the_departure_on_the_open_flight_at_once()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestAirports.LoadAsync(db);
        var pipeline = TestPipeline.For(db);

        await pipeline.ProcessAsync(Ground("abc123", 0, Dca.Latitude, Dca.Longitude));
        await pipeline.ProcessAsync(Airborne("abc123", 1, Dca.Latitude + 0.01, Dca.Longitude, altitude: 154.572));
        var dump = await pipeline.DumpAsync();
        await pipeline.ProcessAsync(Ground("abc123", 0, Dca.Latitude, Dca.Longitude), Airborne("abc123", 1, Dca.Latitude + 0.01, Dca.Longitude, altitude: 154.572));

        Assert.Equal([new Ends("takeoff", null, "KDCA", 1.112, 150.0, "takeoff", null, null, null, null, null, null)], await EndsAsync(db, "abc123"));
        Assert.Equal(dump, await pipeline.DumpAsync()); // delivered again: nothing changes
    }

    [Fact]
    public async Task A_flight_first_seen_high_has_no_departure_and_its_landing_at_Dulles_gives_the_arrival_from_the_touchdown_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestAirports.LoadAsync(db);
        var pipeline = TestPipeline.For(db);

        await pipeline.ProcessAsync(Airborne("abc123", 0, Iad.Latitude + 0.05, Iad.Longitude, altitude: 3000));
        await pipeline.ProcessAsync(Airborne("abc123", 6, Iad.Latitude + 0.02, Iad.Longitude, altitude: 400));
        var landing = await pipeline.ProcessAsync(
            Ground("abc123", 10, Iad.Latitude - 0.01, Iad.Longitude),
            Ground("abc123", 11, Iad.Latitude - 0.012, Iad.Longitude),
            Ground("abc123", 12, Iad.Latitude - 0.013, Iad.Longitude));

        Assert.Equal(1, landing.Write.EndedLanded);
        Assert.Equal([new Ends("first_seen_airborne", "landed", null, null, null, null, "too_high", "KIAD", 1.112, 0.0, "touchdown", null)], await EndsAsync(db, "abc123"));
    }

    [Fact]
    public async Task The_closer_gives_a_flight_last_seen_low_near_Reagan_National_an_estimated_arrival_and_one_last_seen_high_none()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestAirports.LoadAsync(db);
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(Airborne("abc123", 0, 40.0, Dca.Longitude, altitude: 3000), Airborne("def456", 0, 40.0, Dca.Longitude, altitude: 3000));
        await pipeline.ProcessAsync(Airborne("abc123", 5, Dca.Latitude + 0.02, Dca.Longitude, altitude: 300), Airborne("def456", 5, Dca.Latitude + 0.02, Dca.Longitude, altitude: 2000));
        await pipeline.ProcessAsync(At("fff000", 30)); // the clock moves on; both went silent at minute 5

        var closed = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(2, closed.SignalLost);
        Assert.Equal([new Ends("first_seen_airborne", "signal_lost", null, null, null, null, "no_airport_nearby", "KDCA", 2.224, 295.4, "estimated_low", null)], await EndsAsync(db, "abc123"));
        Assert.Equal([new Ends("first_seen_airborne", "signal_lost", null, null, null, null, "no_airport_nearby", null, null, null, null, "too_high")], await EndsAsync(db, "def456"));
    }

    [Fact]
    public async Task A_position_jump_stays_out_of_route_live_position_and_distance_but_its_state_counts_as_a_signal()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0, lat: 50.0));
        await pipeline.ProcessAsync(At("abc123", 5, lat: 50.5)); // 56 km in 5 minutes: 667 km/h

        var jump = await pipeline.ProcessAsync(At("abc123", 10, lat: 60.0)); // 1,056 km in 5 minutes

        Assert.Equal(new Dictionary<ImplausibleReason, int> { [ImplausibleReason.ImpliedSpeed] = 1 }, jump.Write.ImplausiblePositions);
        Assert.Equal(1, jump.Write.StatesApplied);
        var live = await pipeline.LiveAsync("abc123");
        Assert.Equal((Time(10), Time(5), 50.5), (live!.LastContact, live.PositionTime, live.Latitude));

        await pipeline.ProcessAsync(At("abc123", 15, lat: 51.0), At("abc123", 20, lat: 51.5));

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Null(session.EndedAt);
        Assert.Equal([Time(0), Time(5), Time(15), Time(20)], session.PointTimes);
        Assert.Equal((5, Time(20)), (session.StateCount, session.LastSignalAt));
        var expectedKm = RoutePoint.DistanceKm(50.0, 8, 50.5, 8) + RoutePoint.DistanceKm(50.5, 8, 51.0, 8) + RoutePoint.DistanceKm(51.0, 8, 51.5, 8);
        Assert.Equal(Math.Round(expectedKm, 3), await pipeline.ScalarAsync<double>("select distance_km from flight_sessions_current"), 3);
        Assert.Equal(1, pipeline.Metrics.ImplausiblePositions);
    }

    [Fact]
    public async Task After_twenty_minutes_without_an_accepted_position_the_next_position_is_accepted_wherever_it_is()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0, lat: 50.0));
        await pipeline.ProcessAsync(At("abc123", 5, lat: null), At("abc123", 10, lat: null), At("abc123", 15, lat: null), At("abc123", 20, lat: null));

        var far = await pipeline.ProcessAsync(At("abc123", 21, lat: 60.0)); // 1,112 km in 21 minutes: too fast, but after a real gap

        Assert.Empty(far.Write.ImplausiblePositions);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal([Time(0), Time(21)], session.PointTimes);
        Assert.Equal(6, session.StateCount);
        Assert.Equal(60.0, (await pipeline.LiveAsync("abc123"))!.Latitude);
    }

    [Fact]
    public async Task A_7700_period_is_one_event_with_its_flight_from_and_to_and_delivering_its_batches_again_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var first = new[] { Airborne("abc123", 0, 50, 8, 10_000), Airborne("abc123", 1, 50.01, 8, 10_000, squawk: "7700") };
        var second = new[] { Airborne("abc123", 2, 50.02, 8, 9_000, squawk: null), Airborne("abc123", 3, 50.03, 8, 8_000, squawk: "7700"), Airborne("abc123", 4, 50.04, 8, 7_000, squawk: "2000") };

        var started = await pipeline.ProcessAsync(first);
        await pipeline.ProcessAsync(second);
        var afterOnce = await EmergenciesAsync(db);
        await pipeline.ProcessAsync(first);
        await pipeline.ProcessAsync(second);

        Assert.Equal(new Dictionary<string, int> { ["7700"] = 1 }, started.Write.EmergenciesStarted);
        var flight = await pipeline.ScalarAsync<long>("select session_id from flight_sessions");
        Assert.Equal([new Emergency("abc123", flight, "7700", Time(1), Time(3), 2, Time(4))], afterOnce);
        Assert.Equal(afterOnce, await EmergenciesAsync(db));
        Assert.Equal(1, pipeline.Metrics.EmergenciesStarted);
    }

    [Fact]
    public async Task Health_lists_the_aircraft_squawking_an_emergency_now_and_counts_the_periods_of_the_last_hour()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(Airborne("aaa001", 0, 50, 8, 10_000, squawk: "7600"), Airborne("bbb002", 0, 51, 8, 10_000, squawk: "7500"));
        await pipeline.ProcessAsync(Airborne("aaa001", 2, 50.02, 8, 10_000, squawk: "7600"), Airborne("bbb002", 2, 51.02, 8, 10_000, squawk: "1000"));

        var health = new PipelineHealthService(db.DataSource, new ConsumerLagProbe(Microsoft.Extensions.Options.Options.Create(new KafkaOptions()), Microsoft.Extensions.Options.Options.Create(new HealthOptions()), new ConfigurationBuilder().Build()),
            Microsoft.Extensions.Options.Options.Create(new HealthOptions()), new FakeTimeProvider(new DateTimeOffset(Time(2))));
        var report = await health.GetAsync(CancellationToken.None);

        var flight = await pipeline.ScalarAsync<long>("select s.session_id from flight_sessions_current s join dim_aircrafts d using (aircraft_id) where d.transponder_hex = 'aaa001'");
        Assert.Equal([new ActiveEmergency("aaa001", "TEST1", "7600", new DateTimeOffset(Time(0), TimeSpan.Zero), flight)], report.Emergencies!.Active);
        Assert.Equal(2, report.Emergencies.PeriodsLastHour);
    }

    [Fact]
    public async Task The_airport_views_count_flights_per_airport_pair_and_movements_per_airport_and_hour()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestAirports.LoadAsync(db);
        var pipeline = TestPipeline.For(db);
        // Two flights Reagan National -> Dulles: take off at minute 0/1, land at minute 30 (the second at 90, the next hour).
        foreach (var (icao24, offset) in new[] { ("aaa001", 0.0), ("bbb002", 60.0) })
        {
            await pipeline.ProcessAsync(Ground(icao24, offset, Dca.Latitude, Dca.Longitude));
            await pipeline.ProcessAsync(Airborne(icao24, offset + 1, Dca.Latitude + 0.01, Dca.Longitude, 200));
            await pipeline.ProcessAsync(Airborne(icao24, offset + 20, Iad.Latitude + 0.03, Iad.Longitude, 300));
            await pipeline.ProcessAsync(Ground(icao24, offset + 30, Iad.Latitude, Iad.Longitude), Ground(icao24, offset + 32, Iad.Latitude, Iad.Longitude));
        }

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var pairs = await connection.QueryAsync<(string?, string?, string?, string?, long, long)>(
            "select departure_airport, departure_name, arrival_airport, arrival_name, flights, aircraft from bi_airport_pairs");
        Assert.Equal([("KDCA", Dca.Name, "KIAD", Iad.Name, 2L, 2L)], pairs);
        var hourly = await connection.QueryAsync<(string, DateTime, int, long, long)>(
            "select airport, day, hour, departures, arrivals from bi_airport_traffic_hourly order by airport, day, hour");
        Assert.Equal([("KDCA", Time(0).Date, 12, 1L, 0L), ("KDCA", Time(0).Date, 13, 1L, 0L), ("KIAD", Time(0).Date, 12, 0L, 1L), ("KIAD", Time(0).Date, 13, 0L, 1L)], hourly);
        var flights = await connection.QueryAsync<(string, string?, string?, string?, string?)>(
            "select icao24, departure_iata, departure_method, arrival_iata, arrival_method from bi_flight_airports order by icao24");
        Assert.Equal([("aaa001", "DCA", "takeoff", "IAD", "touchdown"), ("bbb002", "DCA", "takeoff", "IAD", "touchdown")], flights);
    }

    private static async Task<List<Ends>> EndsAsync(TestDatabase db, string icao24)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Ends>("""
            select s.start_reason as StartReason, s.end_reason as EndReason,
                   s.departure_airport as DepartureAirport, s.departure_distance_km as DepartureKm, s.departure_height_m as DepartureHeightM,
                   s.departure_method as DepartureMethod, s.departure_unknown_reason as DepartureReason,
                   s.arrival_airport as ArrivalAirport, s.arrival_distance_km as ArrivalKm, s.arrival_height_m as ArrivalHeightM,
                   s.arrival_method as ArrivalMethod, s.arrival_unknown_reason as ArrivalReason
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            where d.transponder_hex = @icao24 order by s.started_at
            """, new { icao24 });
        return rows.ToList();
    }

    private static async Task<List<Emergency>> EmergenciesAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Emergency>("""
            select d.transponder_hex as Icao24, e.session_id as SessionId, e.squawk as Squawk, e.started_at as StartedAt,
                   e.last_seen_at as LastSeenAt, e.state_count as StateCount, e.closed_at as ClosedAt
            from emergency_events e join dim_aircrafts d using (aircraft_id) order by e.started_at
            """);
        return rows.ToList();
    }

    private sealed record Ends(string StartReason, string? EndReason, string? DepartureAirport, double? DepartureKm, double? DepartureHeightM, string? DepartureMethod, string? DepartureReason,
        string? ArrivalAirport, double? ArrivalKm, double? ArrivalHeightM, string? ArrivalMethod, string? ArrivalReason);

    private sealed record Emergency(string Icao24, long? SessionId, string Squawk, DateTime StartedAt, DateTime LastSeenAt, int StateCount, DateTime? ClosedAt);
}
