using Dapper;
using Flights.Core.Airports;
using Flights.Core.Sessions;
using Npgsql;
using NpgsqlTypes;

namespace Flights.Core.Storage;

/// <summary>What one load did.</summary>
/// <param name="Rows">Airports given (after duplicates of an ident: the last one wins).</param>
/// <param name="Inserted">New to the table.</param>
/// <param name="Updated">Whose stored values changed.</param>
/// <param name="Unchanged">Stored exactly as given.</param>
public sealed record AirportLoadResult(int Rows, int Inserted, int Updated, int Unchanged);

/// <summary>
/// The <c>airports</c> reference table (migration 009): bulk load of a catalogue and the read the airport
/// rules index in memory. A load streams the rows by binary COPY into a temporary table and merges them in one
/// statement; loading the same catalogue again changes nothing, and airports missing from a later catalogue
/// are kept (flights may name them).
/// </summary>
public static class AirportsTable
{
    private const string CreateStage = """
        create temporary table airport_load (
            line integer not null, ident text not null, type text not null, name text not null, latitude float8 not null,
            longitude float8 not null, elevation_m float8, iso_country text, iata_code text, municipality text
        ) on commit drop
        """;

    private const string CopyStage = """
        copy airport_load (line, ident, type, name, latitude, longitude, elevation_m, iso_country, iata_code, municipality)
        from stdin (format binary)
        """;

    private const string Merge = """
        insert into airports as a (ident, type, name, latitude, longitude, elevation_m, iso_country, iata_code, municipality)
        select distinct on (ident) ident, type, name, latitude, longitude, elevation_m, iso_country, iata_code, municipality
        from airport_load
        order by ident, line desc
        on conflict (ident) do update
        set type = excluded.type, name = excluded.name, latitude = excluded.latitude, longitude = excluded.longitude,
            elevation_m = excluded.elevation_m, iso_country = excluded.iso_country, iata_code = excluded.iata_code,
            municipality = excluded.municipality, loaded_at = now()
        where (a.type, a.name, a.latitude, a.longitude, a.elevation_m, a.iso_country, a.iata_code, a.municipality)
              is distinct from (excluded.type, excluded.name, excluded.latitude, excluded.longitude, excluded.elevation_m,
                                excluded.iso_country, excluded.iata_code, excluded.municipality)
        returning (xmax = 0) as inserted
        """;

    private const string IsEmpty = "select not exists (select 1 from airports)";

    private const string CountDistinct = "select count(distinct ident)::int from airport_load";

    private const string ReadAll = """
        select ident as Ident, type as Type, name as Name, latitude as Latitude, longitude as Longitude, elevation_m as ElevationM,
               iso_country as IsoCountry, iata_code as IataCode, municipality as Municipality
        from airports
        """;

    /// <summary>Loads <paramref name="airports"/> into the table in one transaction.</summary>
    /// <exception cref="ArgumentException">An airport without an ident or name, or with a position outside the globe.</exception>
    public static async Task<AirportLoadResult> LoadAsync(NpgsqlDataSource dataSource, IEnumerable<AirportRow> airports, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateStage, transaction: transaction, cancellationToken: cancellationToken));
        await using (var copy = await connection.BeginBinaryImportAsync(CopyStage, cancellationToken))
        {
            var line = 0;
            foreach (var airport in airports)
            {
                Validate(airport, ++line);
                copy.StartRow();
                copy.Write(line, NpgsqlDbType.Integer);
                copy.Write(airport.Ident, NpgsqlDbType.Text);
                copy.Write(airport.Type, NpgsqlDbType.Text);
                copy.Write(airport.Name, NpgsqlDbType.Text);
                copy.Write(airport.Latitude, NpgsqlDbType.Double);
                copy.Write(airport.Longitude, NpgsqlDbType.Double);
                WriteNullable(copy, airport.ElevationM);
                WriteNullable(copy, airport.IsoCountry);
                WriteNullable(copy, airport.IataCode);
                WriteNullable(copy, airport.Municipality);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        var distinct = await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountDistinct, transaction: transaction, cancellationToken: cancellationToken));
        var merged = (await connection.QueryAsync<bool>(new CommandDefinition(Merge, transaction: transaction, cancellationToken: cancellationToken))).ToList();
        await transaction.CommitAsync(cancellationToken);
        var inserted = merged.Count(i => i);
        return new AirportLoadResult(distinct, inserted, merged.Count - inserted, distinct - merged.Count);
    }

    /// <summary>The table's form of a catalogue airport.</summary>
    public static AirportRow ToRow(Airport a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AirportRow(a.Ident, a.Type, a.Name, a.Location.Latitude, a.Location.Longitude, a.ElevationM, a.IsoCountry, a.IataCode, a.Municipality);
    }

    /// <summary>Loads the airports of <paramref name="catalogue"/>, as the load of rows does.</summary>
    public static Task<AirportLoadResult> LoadAsync(NpgsqlDataSource dataSource, AirportCatalogue catalogue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        return LoadAsync(dataSource, catalogue.All.Select(ToRow), cancellationToken);
    }

    /// <summary>
    /// Loads the built-in catalogue when the table holds no airport at all; null when it held some. A table
    /// someone filled (with `flights airports import`, or a trimmed set) is never topped up behind their back.
    /// Callers serialise concurrent calls (the migration runner holds its advisory lock); without that, two
    /// loads of the same catalogue still end with the same rows, since the load merges.
    /// </summary>
    public static async Task<AirportLoadResult?> LoadBuiltInIfEmptyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(IsEmpty, cancellationToken: cancellationToken)))
            {
                return null;
            }
        }

        return await LoadAsync(dataSource, AirportCatalogue.BuiltIn, cancellationToken);
    }

    /// <summary>Every airport in the table.</summary>
    public static async Task<IReadOnlyList<AirportRow>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AirportRow>(new CommandDefinition(ReadAll, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    // A bad row fails the whole load with the row's number: the table is never half-loaded.
    private static void Validate(AirportRow airport, int line)
    {
        if (string.IsNullOrWhiteSpace(airport.Ident) || string.IsNullOrWhiteSpace(airport.Name) || string.IsNullOrWhiteSpace(airport.Type))
        {
            throw new ArgumentException($"airport {line} ({airport.Ident}): ident, type and name are required");
        }

        if (!double.IsFinite(airport.Latitude) || !double.IsFinite(airport.Longitude) || Math.Abs(airport.Latitude) > 90 || Math.Abs(airport.Longitude) > 180)
        {
            throw new ArgumentException($"airport {line} ({airport.Ident}): position {airport.Latitude},{airport.Longitude} is not on the globe");
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            copy.Write(v, NpgsqlDbType.Double);
        }
        else
        {
            copy.WriteNull();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }
}
