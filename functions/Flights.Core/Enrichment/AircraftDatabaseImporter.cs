using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Flights.Core.Enrichment;

/// <summary>What one import did.</summary>
/// <param name="Rows">Data rows in the file (blank lines not counted).</param>
/// <param name="Malformed">Rows skipped: unreadable fields, too few columns, or an icao24 that is not 6 hex digits.</param>
/// <param name="Duplicates">Rows skipped because a later row has the same icao24 (the last one wins).</param>
/// <param name="Inserted">Aircraft new to <c>aircraft_registry</c>.</param>
/// <param name="Updated">Aircraft whose registry row changed.</param>
/// <param name="Unchanged">Aircraft already in the registry exactly as in the file.</param>
/// <param name="AircraftEnriched">Rows of <c>dim_aircrafts</c> (aircraft already seen) whose attributes changed.</param>
public sealed record AircraftImportResult(int Rows, int Malformed, int Duplicates, int Inserted, int Updated, int Unchanged, int AircraftEnriched);

/// <summary>
/// Imports the OpenSky aircraft database CSV: streams the rows by binary COPY into a temporary table, then
/// merges in one transaction into <c>aircraft_registry</c> (every aircraft in the file) and the enrichment
/// columns of <c>dim_aircrafts</c> (aircraft already seen). Aircraft seen later get their attributes
/// through the <c>bi_aircraft</c> view's join. Importing the same file again changes nothing.
/// </summary>
public sealed class AircraftDatabaseImporter(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string CreateStaging = """
        create temporary table aircraft_import (
            line integer not null, transponder_hex text not null, registration text, manufacturer text, model text,
            type_code text, operator text, operator_icao text
        ) on commit drop
        """;

    private const string Copy = "copy aircraft_import (line, transponder_hex, registration, manufacturer, model, type_code, operator, operator_icao) from stdin (format binary)";

    // The last row of an icao24 wins; a row equal to the stored one is not touched, so imported_at keeps
    // the time the data last changed and a second import writes nothing.
    private const string MergeRegistry = """
        insert into aircraft_registry as r (transponder_hex, registration, manufacturer, model, type_code, operator, operator_icao, imported_at)
        select distinct on (transponder_hex) transponder_hex, registration, manufacturer, model, type_code, operator, operator_icao, @now
        from aircraft_import
        order by transponder_hex, line desc
        on conflict (transponder_hex) do update
        set registration = excluded.registration, manufacturer = excluded.manufacturer, model = excluded.model,
            type_code = excluded.type_code, operator = excluded.operator, operator_icao = excluded.operator_icao,
            imported_at = excluded.imported_at
        where (r.registration, r.manufacturer, r.model, r.type_code, r.operator, r.operator_icao)
              is distinct from (excluded.registration, excluded.manufacturer, excluded.model, excluded.type_code, excluded.operator, excluded.operator_icao)
        returning (xmax = 0) as inserted
        """;

    private const string CountDistinct = "select count(*)::int from (select distinct transponder_hex from aircraft_import) t";

    // Rows are locked in transponder order, the order the processor's smart write locks them in, so a
    // concurrent batch waits instead of deadlocking.
    private const string EnrichKnown = """
        with target as (
            select d.aircraft_id
            from dim_aircrafts d
            join aircraft_registry r on r.transponder_hex = d.transponder_hex
            where (d.registration, d.manufacturer, d.model, d.type_code, d.operator, d.operator_icao)
                  is distinct from (r.registration, r.manufacturer, r.model, r.type_code, r.operator, r.operator_icao)
            order by d.transponder_hex
            for update of d
        )
        update dim_aircrafts d
        set registration = r.registration, manufacturer = r.manufacturer, model = r.model, type_code = r.type_code,
            operator = r.operator, operator_icao = r.operator_icao, enriched_at = @now
        from target t, aircraft_registry r
        where d.aircraft_id = t.aircraft_id and r.transponder_hex = d.transponder_hex
        """;

    /// <summary>Imports the CSV file at <paramref name="csvPath"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no header with an <c>icao24</c> column.</exception>
    public async Task<AircraftImportResult> ImportAsync(string csvPath, CancellationToken cancellationToken)
    {
        using var file = new StreamReader(csvPath, detectEncodingFromByteOrderMarks: true);
        return await ImportAsync(file, cancellationToken);
    }

    /// <summary>Imports the CSV read from <paramref name="csv"/>.</summary>
    /// <exception cref="InvalidDataException">The text has no header with an <c>icao24</c> column.</exception>
    public async Task<AircraftImportResult> ImportAsync(TextReader csv, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateStaging, transaction: transaction, cancellationToken: cancellationToken));

        var reader = new AircraftCsvReader(csv);
        var staged = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(Copy, cancellationToken))
        {
            foreach (var row in reader.ReadRows())
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(row.Line, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.Icao24, NpgsqlDbType.Text, cancellationToken);
                foreach (var value in (string?[])[row.Registration, row.Manufacturer, row.Model, row.TypeCode, row.Operator, row.OperatorIcao])
                {
                    if (value is null)
                    {
                        await copy.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
                    }
                }

                staged++;
            }

            await copy.CompleteAsync(cancellationToken);
        }

        var distinct = await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountDistinct, transaction: transaction, cancellationToken: cancellationToken));
        var merged = (await connection.QueryAsync<bool>(new CommandDefinition(MergeRegistry, new { now }, transaction, cancellationToken: cancellationToken))).ToList();
        var inserted = merged.Count(i => i);
        var enriched = await connection.ExecuteAsync(new CommandDefinition(EnrichKnown, new { now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);

        return new AircraftImportResult(staged + reader.Malformed, reader.Malformed, staged - distinct, inserted, merged.Count - inserted, distinct - merged.Count, enriched);
    }
}
