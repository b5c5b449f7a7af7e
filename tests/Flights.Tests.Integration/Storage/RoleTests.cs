using System.Net;
using System.Net.Sockets;
using Dapper;
using Flights.Core;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Storage;

/// <summary>
/// sql/007_roles.sql: the dashboard's role only reads, the processor's role only changes rows, and the
/// dashboard never migrates. The roles act through the startup option <c>-c role=...</c> on the test server's
/// login: PostgreSQL then checks every statement against that role's privileges, exactly as for its own login.
/// </summary>
public sealed class RoleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("insert into live_status (aircraft_id, callsign) values (1, 'X')")]
    [InlineData("update live_status set callsign = 'X'")]
    [InlineData("delete from live_status")]
    [InlineData("insert into flight_sessions (aircraft_id, started_at, start_reason, last_signal_at) values (1, now(), 'first_seen', now())")]
    [InlineData("update pipeline_state set pipeline_clock = now()")]
    public async Task The_dashboard_role_cannot_write(string statement)
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var reader = AsRole(db, "flights_reader");
        await using var connection = await reader.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.StartsWith("permission denied for table ", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_role_reads_the_tables_and_the_BI_views()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var reader = AsRole(db, "flights_reader");
        await using var connection = await reader.OpenConnectionAsync();

        Assert.Equal("flights_reader", await connection.ExecuteScalarAsync<string>("select current_user"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select (select count(*) from live_status) + (select count(*) from flight_sessions) + (select count(*) from bi_flights) + (select count(*) from dim_aircrafts)"));
    }

    [Theory]
    [InlineData("drop table live_status")]
    [InlineData("drop table flight_sessions")]
    [InlineData("alter table live_status add column note text")]
    [InlineData("alter table flight_sessions drop column route")]
    [InlineData("truncate live_status")]
    [InlineData("create table scratch (id int)")]
    [InlineData("delete from schema_migrations")]
    public async Task The_processor_role_cannot_change_the_schema_or_the_migration_history(string statement)
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var writer = AsRole(db, "flights_writer");
        await using var connection = await writer.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task The_processor_role_writes_rows()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var writer = AsRole(db, "flights_writer");
        await using var connection = await writer.OpenConnectionAsync();

        // The identity column also needs the sequence's USAGE.
        await connection.ExecuteAsync("insert into dim_aircrafts (transponder_hex, first_seen, last_seen) values ('abc123', now(), now())");
        Assert.Equal(1, await connection.ExecuteAsync("update dim_aircrafts set last_callsign = 'TEST1' where transponder_hex = 'abc123'"));
        Assert.Equal(1, await connection.ExecuteAsync("delete from dim_aircrafts where transponder_hex = 'abc123'"));
    }

    [Fact]
    public async Task The_processor_role_is_enough_for_the_smart_write_and_the_closer()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var writer = AsRole(db, "flights_writer");
        // The schema stays the owner's to drop (db's disposal); this one only lends the writer's connections.
        var pipeline = TestPipeline.For(new TestDatabase(db.Schema, db.ConnectionString, writer));

        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 6, lat: 50.3));
        await pipeline.ProcessAsync(At("fff000", 30)); // moves the pipeline clock past the flight-end threshold
        var closed = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(1, closed.SignalLost);
        Assert.Equal("signal_lost", Assert.Single(await pipeline.SessionsAsync("abc123")).EndReason);
    }

    [Fact]
    public async Task The_dashboard_started_on_an_empty_database_does_not_migrate()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        using var dashboard = FlightsProcess.Start(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString }, "dashboard", "--urls", $"http://127.0.0.1:{FreePort()}");
        await dashboard.WaitForOutputAsync("Dashboard: ", Timeout);

        dashboard.Interrupt();
        await dashboard.WaitAsync(Timeout);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select count(*) from pg_tables where schemaname = @schema", new { schema = db.Schema }));
    }

    [Fact]
    public async Task The_dashboard_reads_through_the_reader_connection_string_when_one_is_given()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var reader = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Options = "-c role=flights_reader" };
        var port = FreePort();
        using var dashboard = FlightsProcess.Start(new Dictionary<string, string?>
        {
            // Nothing listens here: only the reader's string can serve the page.
            ["ConnectionStrings__Flights"] = $"Host=127.0.0.1;Port={FreePort()};Username=nobody;Database=none;Timeout=2",
            ["ConnectionStrings__FlightsReader"] = reader.ConnectionString,
        }, "dashboard", "--urls", $"http://127.0.0.1:{port}");
        await dashboard.WaitForOutputAsync("Dashboard: ", Timeout);

        using var http = new HttpClient();
        var live = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/live"));

        dashboard.Interrupt();
        await dashboard.WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Migrations_run_with_the_owner_connection_string_when_one_is_given()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Nothing listens here: only the owner's string can migrate.
            ["ConnectionStrings:Flights"] = $"Host=127.0.0.1;Port={FreePort()};Username=nobody;Database=none;Timeout=2",
            ["ConnectionStrings:FlightsOwner"] = db.ConnectionString,
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddFlightsStorage(configuration).BuildServiceProvider();

        var result = await services.GetRequiredService<MigrationRunner>().MigrateAsync(CancellationToken.None);

        Assert.Equal(MigrationRunner.Shipped.Select(m => m.Name), result.Applied);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(new NpgsqlConnectionStringBuilder(db.ConnectionString).Username, await connection.ExecuteScalarAsync<string>("select tableowner from pg_tables where schemaname = @schema and tablename = 'live_status'", new { schema = db.Schema }));
    }

    private static NpgsqlDataSource AsRole(TestDatabase db, string role) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Options = $"-c role={role}", Pooling = false }.ConnectionString);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
