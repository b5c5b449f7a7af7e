using Dapper;
using Flights.Cli.Enrichment;
using Flights.Cli.Hosting;
using Flights.Core.Enrichment;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Insight;

public sealed class AircraftImportTests
{
    // The aircraftDatabase.csv layout: double quotes, more columns than the import uses.
    private const string Csv = """
        "icao24","registration","manufacturericao","manufacturername","model","typecode","serialnumber","operator","operatorcallsign","operatoricao","owner"
        "3c6444","D-AIBD","AIRBUS","Airbus","A319 112","A319","3321","Lufthansa","LUFTHANSA","DLH","Lufthansa, Cologne"
        "AAA001","D-AIAB","AIRBUS","Airbus","A320 214","A320","1","Lufthansa","LUFTHANSA","DLH","x"
        "zzz999","X-BAD","","","","","","","","",""
        "4b1805","HB-JVA","","Fokker","F100","F100","","Helvetic ""Air"", Zurich","","OAW",""

        "3c6444","D-AIBD","AIRBUS","Airbus","A319 112","A319","3321","Lufthansa Group","LUFTHANSA","DLH",""
        "abc"
        "a00002","N2","","Cessna","172","C172","","","","","","extra","columns"
        """;

    [Fact]
    public async Task Import_counts_good_duplicate_and_malformed_rows_and_enriches_known_aircraft()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 0));

        var result = await Importer(db).ImportAsync(new StringReader(Csv), CancellationToken.None);

        Assert.Equal(new AircraftImportResult(Rows: 7, Malformed: 2, Duplicates: 1, Inserted: 4, Updated: 0, Unchanged: 0, AircraftEnriched: 1), result);
        Assert.Equal(
        [
            ("3c6444", "D-AIBD", "Airbus", "A319 112", "A319", "Lufthansa Group", "DLH"), // the later duplicate wins
            ("4b1805", "HB-JVA", "Fokker", "F100", "F100", "Helvetic \"Air\", Zurich", "OAW"),
            ("a00002", "N2", "Cessna", "172", "C172", null, null),
            ("aaa001", "D-AIAB", "Airbus", "A320 214", "A320", "Lufthansa", "DLH"),
        ], await RegistryAsync(db));
        Assert.Equal(("D-AIAB", "A320", "Lufthansa", Time(30)),
            Assert.Single(await QueryAsync<(string?, string?, string?, DateTime?)>(db, "select registration, type_code, operator, enriched_at from dim_aircrafts where transponder_hex = 'aaa001'")));
    }

    [Fact]
    public async Task Importing_the_same_file_twice_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 0));
        await Importer(db).ImportAsync(new StringReader(Csv), CancellationToken.None);
        var before = await pipeline.DumpAsync() + await RegistryDumpAsync(db);

        var again = await Importer(db, Time(90)).ImportAsync(new StringReader(Csv), CancellationToken.None);

        Assert.Equal(new AircraftImportResult(7, 2, 1, 0, 0, 4, 0), again);
        Assert.Equal(before, await pipeline.DumpAsync() + await RegistryDumpAsync(db));
    }

    [Fact]
    public async Task An_aircraft_first_seen_after_the_import_shows_its_attributes_in_bi_aircraft()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await Importer(db).ImportAsync(new StringReader(Csv), CancellationToken.None);

        await TestPipeline.For(db).ProcessAsync(At("a00002", 0));

        Assert.Equal([("N2", "C172", "Cessna")], await QueryAsync<(string?, string?, string?)>(db, "select registration, type_code, manufacturer from bi_aircraft where icao24 = 'a00002'"));
    }

    [Fact]
    public async Task A_changed_row_updates_the_registry_and_the_known_aircraft()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("aaa001", 0));
        await Importer(db).ImportAsync(new StringReader(Csv), CancellationToken.None);

        var result = await Importer(db).ImportAsync(new StringReader(Csv.Replace("\"A320 214\"", "\"A320 216\"", StringComparison.Ordinal)), CancellationToken.None);

        Assert.Equal(new AircraftImportResult(7, 2, 1, 0, 1, 3, 1), result);
        Assert.Equal(["A320 216"], await QueryAsync<string>(db, "select model from dim_aircrafts where transponder_hex = 'aaa001'"));
    }

    [Fact]
    public async Task The_newer_single_quoted_layout_with_camel_case_names_is_read_too()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        const string complete = """
            'icao24','timestamp','manufacturerName','model','operator','operatorIcao','registration','typecode'
            '3c6444','2024-01-01 00:00:00','Airbus','A319 112','Lufthansa, ''Cologne''','DLH','D-AIBD','A319'
            """;

        var result = await Importer(db).ImportAsync(new StringReader(complete), CancellationToken.None);

        Assert.Equal(new AircraftImportResult(1, 0, 0, 1, 0, 0, 0), result);
        Assert.Equal([("3c6444", "D-AIBD", "Airbus", "A319 112", "A319", "Lufthansa, 'Cologne'", "DLH")], await RegistryAsync(db));
    }

    [Fact]
    public async Task The_import_command_prints_the_counts_and_fails_clearly_on_a_file_without_icao24()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var directory = Directory.CreateTempSubdirectory("aircraft-import-");
        try
        {
            var good = Path.Combine(directory.FullName, "aircraft.csv");
            var wrong = Path.Combine(directory.FullName, "wrong.csv");
            await File.WriteAllTextAsync(good, Csv);
            await File.WriteAllTextAsync(wrong, "a,b\n1,2\n");
            await using var services = new ServiceCollection().AddSingleton(db.DataSource).BuildServiceProvider();
            var output = new StringWriter();

            Assert.Equal(0, await AircraftImportCommand.RunAsync(services, good, output, CancellationToken.None));
            var error = await Assert.ThrowsAsync<CliException>(() => AircraftImportCommand.RunAsync(services, wrong, output, CancellationToken.None));

            Assert.Equal("7 rows: 4 new, 0 changed, 0 unchanged, 1 duplicates, 2 malformed skipped; 0 known aircraft enriched.", output.ToString().Trim());
            Assert.Equal(ExitCodes.Input, error.ExitCode);
            Assert.StartsWith($"{wrong} is not the OpenSky aircraft database: The aircraft CSV has no icao24 column", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static AircraftDatabaseImporter Importer(TestDatabase db, DateTime? now = null) =>
        new(db.DataSource, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(now ?? Time(30))));

    private static Task<List<(string, string?, string?, string?, string?, string?, string?)>> RegistryAsync(TestDatabase db) =>
        QueryAsync<(string, string?, string?, string?, string?, string?, string?)>(db,
            "select transponder_hex, registration, manufacturer, model, type_code, operator, operator_icao from aircraft_registry order by 1");

    private static async Task<string> RegistryDumpAsync(TestDatabase db) =>
        string.Join("\n", await QueryAsync<string>(db, "select to_jsonb(r)::text from aircraft_registry r order by 1"));

    private static async Task<List<T>> QueryAsync<T>(TestDatabase db, string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<T>(sql)).ToList();
    }
}
