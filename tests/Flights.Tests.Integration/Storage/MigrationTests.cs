using Dapper;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flights.Tests.Integration.Storage;

public sealed class MigrationTests
{
    private static readonly string[] ExpectedTables = ["dim_aircrafts", "flight_sessions", "live_status", "pipeline_state", "schema_migrations"];

    [Fact]
    public async Task Migrating_an_empty_database_creates_the_schema_and_records_every_file()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);

        var result = await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal(MigrationRunner.Shipped.Select(m => m.Name), result.Applied);
        Assert.Equal(0, result.AlreadyApplied);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var tables = (await connection.QueryAsync<string>("select table_name from information_schema.tables where table_schema = @schema and table_type = 'BASE TABLE' order by 1", new { schema = db.Schema })).ToArray();
        Assert.Equal(ExpectedTables, tables.Intersect(ExpectedTables));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from pipeline_state"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from pg_indexes where schemaname = @schema and indexname = 'flight_sessions_one_open_per_aircraft'", new { schema = db.Schema }));
    }

    [Fact]
    public async Task Migrating_again_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var runner = new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance);

        var result = await runner.MigrateAsync(CancellationToken.None);

        Assert.Empty(result.Applied);
        Assert.Equal(MigrationRunner.Shipped.Count, result.AlreadyApplied);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from pipeline_state"));
    }

    [Fact]
    public async Task Two_concurrent_runs_both_succeed_and_apply_each_file_once()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var first = new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance);
        var second = new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance);

        var results = await Task.WhenAll(first.MigrateAsync(CancellationToken.None), second.MigrateAsync(CancellationToken.None));

        Assert.Equal(MigrationRunner.Shipped.Count, results.Sum(r => r.Applied.Count));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(MigrationRunner.Shipped.Count, await connection.ExecuteScalarAsync<int>("select count(*) from schema_migrations"));
    }

    [Fact]
    public async Task An_applied_file_that_was_edited_is_refused()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("update schema_migrations set checksum = 'edited' where version = 1");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None));

        Assert.Contains("001_schema.sql was changed after it was applied", error.Message, StringComparison.Ordinal);
    }
}
