using System.Security.Cryptography;
using System.Text;
using Dapper;
using Flights.Core.Airports;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Flights.Core.Storage;

/// <summary>One numbered SQL file from <c>sql/</c>, shipped inside this assembly.</summary>
/// <param name="Version">The number the file name starts with (<c>001_schema.sql</c> is 1).</param>
/// <param name="Name">The file name.</param>
/// <param name="Sql">The file's text.</param>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the text, recorded when applied, so an edited applied file is noticed.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>What one <see cref="MigrationRunner.MigrateAsync"/> call did.</summary>
/// <param name="Applied">Names of the files applied by this call, in order.</param>
/// <param name="AlreadyApplied">How many files had been applied before.</param>
/// <param name="BuiltInAirportsLoaded">Airports of the built-in catalogue this call loaded into the empty <c>airports</c> table (0 when it held some, or loading is off).</param>
public sealed record MigrationResult(IReadOnlyList<string> Applied, int AlreadyApplied, int BuiltInAirportsLoaded = 0);

/// <summary>
/// Applies the numbered files of <c>sql/</c> in order, each once, recording them in
/// <c>schema_migrations</c>. Safe to run from several processes at once: a session-level advisory lock
/// serialises runners, and each file is applied in its own transaction. Then, still under the lock, an empty
/// <c>airports</c> table gets the built-in catalogue (unless <paramref name="loadBuiltInAirports"/> is off), so a new
/// database gives flights their airports without a manual import.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger, bool loadBuiltInAirports = true)
{
    // Any fixed 64-bit number identifies this lock; it only has to differ from other advisory locks in the database.
    private const long AdvisoryLockKey = 0x466C69676874_01; // "Flight" + 01

    private const string CreateHistoryTable = """
        create table if not exists schema_migrations (
            version    integer     primary key,
            name       text        not null,
            checksum   text        not null,
            applied_at timestamptz not null default now()
        )
        """;

    private const string SelectApplied = "select version, name, checksum from schema_migrations order by version";

    private const string InsertApplied = "insert into schema_migrations (version, name, checksum) values (@Version, @Name, @Checksum)";

    /// <summary>The migrations shipped in this assembly, ordered by version.</summary>
    public static IReadOnlyList<Migration> Shipped { get; } = LoadShipped();

    /// <summary>Applies every shipped migration not yet recorded in the database.</summary>
    /// <exception cref="InvalidOperationException">An applied file was changed afterwards, or the database holds a newer schema than this build knows.</exception>
    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateHistoryTable, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<(int Version, string Name, string Checksum)>(
                new CommandDefinition(SelectApplied, cancellationToken: cancellationToken))).ToDictionary(m => m.Version);

            foreach (var (version, (_, name, checksum)) in applied)
            {
                var shipped = Shipped.FirstOrDefault(m => m.Version == version)
                    ?? throw new InvalidOperationException($"The database has migration {version} ({name}) that this build does not ship: it was migrated by a newer version of the app.");
                if (shipped.Checksum != checksum)
                {
                    throw new InvalidOperationException($"Migration {name} was changed after it was applied. Never edit an applied file in sql/; add a new numbered file instead.");
                }
            }

            // A new database gets the built-in airports once its tables exist: parse the catalogue meanwhile
            // instead of after the migrations (about a third of a new database's start-up otherwise).
            var catalogue = loadBuiltInAirports && applied.Count == 0 ? Task.Run(() => AirportCatalogue.BuiltIn, cancellationToken) : null;
            var newlyApplied = new List<string>();
            foreach (var migration in Shipped.Where(m => !applied.ContainsKey(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(InsertApplied, migration, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                LogApplied(migration.Name);
                newlyApplied.Add(migration.Name);
            }

            if (newlyApplied.Count > 0)
            {
                // New tables and columns change the types Npgsql may have cached for this data source.
                await connection.ReloadTypesAsync(cancellationToken);
            }

            if (catalogue is not null)
            {
                await catalogue;
            }

            var airports = 0;
            if (loadBuiltInAirports && await AirportsTable.LoadBuiltInIfEmptyAsync(dataSource, cancellationToken) is { } loaded)
            {
                airports = loaded.Inserted;
                LogAirportsLoaded(airports);
            }

            return new MigrationResult(newlyApplied, applied.Count, airports);
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }, cancellationToken: CancellationToken.None));
        }
    }

    private static List<Migration> LoadShipped()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("sql/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource["sql/".Length..];
            var digits = new string(name.TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length == 0)
            {
                throw new InvalidOperationException($"sql/{name} does not start with a migration number (like 001_).");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), name, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two files in sql/ share number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return migrations.OrderBy(m => m.Version).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} airports of the built-in catalogue into the empty airports table")]
    private partial void LogAirportsLoaded(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Name}")]
    private partial void LogApplied(string name);
}
