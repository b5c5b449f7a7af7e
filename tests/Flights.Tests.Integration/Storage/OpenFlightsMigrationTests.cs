using Dapper;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Storage;

/// <summary>
/// Migration 010 moves an open flight's running values into its live row and its route into route_points. A
/// warehouse upgraded while flights are open must show them exactly as before, and go on writing them.
/// </summary>
public sealed class OpenFlightsMigrationTests
{
    [Fact]
    public async Task An_open_flight_written_before_migration_010_reads_the_same_through_the_view_and_goes_on()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            create table schema_migrations (version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())
            """);
        foreach (var migration in MigrationRunner.Shipped.Where(m => m.Version < 10))
        {
            await connection.ExecuteAsync(migration.Sql);
            await connection.ExecuteAsync("insert into schema_migrations (version, name, checksum) values (@Version, @Name, @Checksum)", migration);
        }

        // The 009 layout: one open flight with two route points and its counters in the row, one ended flight.
        await connection.ExecuteAsync("""
            insert into dim_aircrafts (transponder_hex, first_seen, last_seen) values ('aaa001', @t0, @t5), ('aaa002', @t0, @t5);
            insert into live_status (aircraft_id, callsign, last_contact, position_time, latitude, longitude, on_ground, snapshot_time)
            select aircraft_id, 'OPEN1', @t5, @t5, 50.5, 8.5, false, @t5 from dim_aircrafts where transponder_hex = 'aaa001';
            insert into flight_sessions (aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at, last_point_lat,
                last_point_lon, point_count, state_count, max_gap_s, distance_km, max_altitude_m, route)
            select aircraft_id, 'OPEN1', @t0, 'first_seen_airborne', @t5, @t5, 50.5, 8.5, 2, 7, 60, 66.6, 10000,
                   '[{"t":"2026-01-01T12:00:00Z","lat":50,"lon":8,"alt_m":10000,"speed_kmh":828,"heading":90,"vrate_ms":0,"on_ground":false},
                     {"t":"2026-01-01T12:05:00Z","lat":50.5,"lon":8.5,"alt_m":10000,"speed_kmh":828,"heading":90,"vrate_ms":0,"on_ground":false}]'
            from dim_aircrafts where transponder_hex = 'aaa001';
            insert into flight_sessions (aircraft_id, callsign, started_at, ended_at, start_reason, end_reason, last_signal_at, point_count, state_count, route)
            select aircraft_id, 'DONE1', @t0, @t5, 'first_seen_airborne', 'signal_lost', @t5, 1, 3,
                   '[{"t":"2026-01-01T12:00:00Z","lat":40,"lon":-3,"alt_m":null,"speed_kmh":null,"heading":null,"vrate_ms":null,"on_ground":false}]'
            from dim_aircrafts where transponder_hex = 'aaa002';
            """, new { t0 = Time(0), t5 = Time(5) });
        const string Flights = "select to_jsonb(s)::text from {0} s order by started_at, callsign";
        var before = (await connection.QueryAsync<string>(string.Format(Flights, "flight_sessions"))).ToList();

        var result = await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance, loadBuiltInAirports: false).MigrateAsync(CancellationToken.None);

        Assert.Equal(["010_open_flights_in_live_rows.sql"], result.Applied);
        Assert.Equal(before, await connection.QueryAsync<string>(string.Format(Flights, "flight_sessions_current")));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("select count(*) from route_points"));

        // The next state (10 minutes on: a route point) continues the same flight.
        var pipeline = TestPipeline.For(db);
        var write = (await pipeline.ProcessAsync(At("aaa001", 10, lat: 51.0, lon: 9.0, callsign: "OPEN1"))).Write;

        Assert.Equal((1, 0, 1), (write.StatesApplied, write.SessionsOpened, write.PointsAppended));
        var open = (await pipeline.SessionsAsync("aaa001")).Single();
        Assert.Equal((8, 3, Time(10)), (open.StateCount, open.PointCount, open.LastSignalAt));
        Assert.Equal([Time(0), Time(5), Time(10)], open.PointTimes);
    }
}
