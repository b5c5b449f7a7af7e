using Dapper;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Processing;

/// <summary>
/// The writer locks and reads known aircraft by the id it cached for their transponder. A database emptied and
/// migrated again under the running process gives the same transponders other ids (or none): the writer must
/// notice under the lock, before it changes anything, and write every row to the right aircraft.
/// </summary>
public sealed class AircraftIdCacheTests
{
    [Fact]
    public async Task A_database_replaced_under_the_running_writer_gets_every_row_on_the_right_aircraft()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 0, lat: 51.0), At("aaa002", 0, lat: 52.0)); // cached: aaa001 -> 1, aaa002 -> 2

        await ReplaceDatabaseAsync(db);
        var afterAaa002 = await pipeline.ProcessAsync(At("aaa002", 1, lat: 52.5)); // id 2 no longer exists; aaa002 becomes 1
        var afterAaa001 = await pipeline.ProcessAsync(At("aaa001", 2, lat: 51.5)); // the cached id 1 now belongs to aaa002

        Assert.Equal((1, 1), (afterAaa002.Write.StatesApplied, afterAaa002.Write.SessionsOpened));
        Assert.Equal((1, 1), (afterAaa001.Write.StatesApplied, afterAaa001.Write.SessionsOpened));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Hex, long Id, double Latitude, long Flights)>("""
            select d.transponder_hex, d.aircraft_id, l.latitude, (select count(*) from flight_sessions s where s.aircraft_id = d.aircraft_id)
            from dim_aircrafts d join live_status l using (aircraft_id)
            order by 1
            """)).ToList();
        Assert.Equal([("aaa001", 2L, 51.5, 1L), ("aaa002", 1L, 52.5, 1L)], rows);
    }

    private static async Task ReplaceDatabaseAsync(TestDatabase db)
    {
        await using (var admin = TestPostgres.Admin())
        {
            await admin.CreateCommand($"drop schema {db.Schema} cascade; create schema {db.Schema}").ExecuteNonQueryAsync();
        }

        await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
    }
}
