using Flights.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>
/// The real PostgreSQL every integration test uses: the server named by ConnectionStrings__Flights, or the
/// project's local one started through ./setup.sh db start. A missing server fails the test; it never skips.
/// Each test gets its own schema, so tests never see each other's rows.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<string> ServerConnectionString = new(FindServer);

    /// <summary>
    /// A fresh schema with the project's migrations applied; the built-in airports only when asked, since loading
    /// them costs about a second per schema on this kind of machine (measured) and few tests need them.
    /// </summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(bool migrate = true, bool builtInAirports = false)
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString.Value);
        await using (var admin = NpgsqlDataSource.Create(builder.ConnectionString))
        {
            await using var command = admin.CreateCommand($"create schema {schema}");
            await command.ExecuteNonQueryAsync();
        }

        builder.SearchPath = schema;
        builder.ApplicationName = schema;
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var database = new TestDatabase(schema, builder.ConnectionString, dataSource);
        if (migrate)
        {
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance, builtInAirports).MigrateAsync(CancellationToken.None);
        }

        return database;
    }

    /// <summary>The server's connection string (no schema), for code that makes its own schemas.</summary>
    public static string ServerConnection => ServerConnectionString.Value;

    /// <summary>A data source for the server itself (no schema), for admin statements.</summary>
    public static NpgsqlDataSource Admin() => NpgsqlDataSource.Create(ServerConnectionString.Value);

    private static string FindServer()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("ConnectionStrings__Flights");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        // Convenience for a developer running `dotnet test` directly: start the project's local server, the
        // same way `flights run` does. Whatever fails here fails the test, with the reason.
        return Flights.Cli.Hosting.LocalPostgres.StartAsync(TextWriter.Null, CancellationToken.None).GetAwaiter().GetResult();
    }
}

/// <summary>One test's schema on the shared server.</summary>
public sealed class TestDatabase(string schema, string connectionString, NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public string Schema { get; } = schema;

    public string ConnectionString { get; } = connectionString;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using var admin = TestPostgres.Admin();
        await using var command = admin.CreateCommand($"drop schema if exists {Schema} cascade");
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The repository root: the folder holding Functions.sln. Recorded data: <see cref="Recordings"/>.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
