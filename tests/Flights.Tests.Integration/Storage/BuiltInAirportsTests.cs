using Dapper;
using Flights.Core.Airports;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flights.Tests.Integration.Storage;

/// <summary>Migrating fills an empty <c>airports</c> table with the built-in catalogue, once, whoever migrates.</summary>
public sealed class BuiltInAirportsTests
{
    [Fact]
    public async Task Migrating_an_empty_database_loads_every_built_in_airport_and_migrating_again_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var runner = new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance);

        var first = await runner.MigrateAsync(CancellationToken.None);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var loadedAt = await connection.ExecuteScalarAsync<DateTime>("select max(loaded_at) from airports");
        var second = await runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(5_210, AirportCatalogue.BuiltIn.Count);
        Assert.Equal((5_210, 0), (first.BuiltInAirportsLoaded, second.BuiltInAirportsLoaded));
        var expected = AirportCatalogue.BuiltIn.All.Select(AirportsTable.ToRow).OrderBy(a => a.Ident, StringComparer.Ordinal).ToList();
        var stored = (await AirportsTable.ReadAsync(db.DataSource, CancellationToken.None)).OrderBy(a => a.Ident, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, stored);
        Assert.Equal(new AirportRow("KIAD", "large_airport", "Washington Dulles International Airport", 38.9445, -77.455803, 312 * Airport.MetresPerFoot, "US", "IAD", "Dulles"),
            stored.Single(a => a.Ident == "KIAD"));
        Assert.Equal(loadedAt, await connection.ExecuteScalarAsync<DateTime>("select max(loaded_at) from airports"));
    }

    [Fact]
    public async Task Replicas_migrating_together_load_the_built_in_airports_once()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None)));

        Assert.Equal([0, 0, 5_210], results.Select(r => r.BuiltInAirportsLoaded).Order());
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(5_210, await connection.ExecuteScalarAsync<int>("select count(*) from airports"));
    }

    [Fact]
    public async Task A_table_that_holds_airports_is_not_topped_up_with_the_built_in_ones()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance, loadBuiltInAirports: false).MigrateAsync(CancellationToken.None);
        var own = new AirportRow("EGLL", "large_airport", "London Heathrow Airport", 51.4706, -0.461941, 25.3, "GB", "LHR", "London");
        await AirportsTable.LoadAsync(db.DataSource, [own], CancellationToken.None);

        var result = await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal(0, result.BuiltInAirportsLoaded);
        Assert.Equal([own], await AirportsTable.ReadAsync(db.DataSource, CancellationToken.None));
    }

    [Fact]
    public async Task With_loading_off_migrating_leaves_the_airports_table_empty()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);

        var result = await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance, loadBuiltInAirports: false).MigrateAsync(CancellationToken.None);

        Assert.Equal(0, result.BuiltInAirportsLoaded);
        Assert.Empty(await AirportsTable.ReadAsync(db.DataSource, CancellationToken.None));
    }
}
