using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dapper;
using Flights.Core.Airports;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Simulation;

/// <summary>`flights run --demo`, `flights airports` and `flights simulate` as a user runs them: the real process.</summary>
public sealed class SimulateCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private const string Csv = """
        "id","ident","type","name","latitude_deg","longitude_deg","elevation_ft","continent","iso_country","iso_region","municipality","scheduled_service","gps_code","iata_code","local_code","home_link","wikipedia_link","keywords"
        1,"EGLL","large_airport","London Heathrow Airport",51.4706,-0.461941,83,"EU","GB","GB-ENG","London","yes","EGLL","LHR",,,,
        2,"LFPG","large_airport","Charles de Gaulle International Airport",49.012798,2.55,392,"EU","FR","FR-IDF","Paris","yes","LFPG","CDG",,,,
        3,"EG01","small_airport","A farm strip",52.1,-1.2,300,"EU","GB","GB-ENG",,"no",,,,,,
        4,"BAD1","small_airport","No position",,,,"EU","GB","GB-ENG",,"no",,,,,,
        """;

    [Fact]
    public async Task The_demo_runs_the_pipeline_on_simulated_traffic_until_interrupted()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var process = FlightsProcess.Start(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString }, "run", "--demo", "--urls", $"http://127.0.0.1:{port}");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        long airborne = 0;
        for (var attempt = 0; attempt < 240 && airborne == 0; attempt++)
        {
            await Task.Delay(500);
            airborne = await connection.ExecuteScalarAsync<long>("select count(*) from live_status where not on_ground") is var n && n > 0 ? n : 0;
        }

        using var http = new HttpClient();
        using var answer = await http.GetAsync($"http://127.0.0.1:{port}/api/health"); // 200 or 503: both carry the report
        var health = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        process.Interrupt();
        var exit = await process.WaitAsync(Timeout);

        Assert.True(airborne > 0, $"no aircraft in the air\n{process.Output}\n{process.Error}");
        Assert.Contains("Demo: 1,000 simulated aircraft between the airports of Europe", process.Output, StringComparison.Ordinal);
        Assert.True(health.GetProperty("liveAircraft").GetInt64() > 0, health.ToString());
        Assert.Equal(0, exit);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from live_status where latitude not between 30 and 65 or longitude not between -17 and 37"));
    }

    [Fact]
    public async Task Publish_sends_each_step_s_snapshot_to_the_given_Kafka_until_interrupted()
    {
        var topic = TestKafka.CreateTopic("simulated", partitions: 3);
        using var process = FlightsProcess.Start(new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = TestKafka.BootstrapServers,
            ["Kafka__Topic"] = topic,
        }, "simulate", "--publish", "--aircraft", "200", "--resolution", "1");
        for (var attempt = 0; attempt < 240 && process.Output.Split('\n').Count(l => l.Contains(" published ", StringComparison.Ordinal)) < 3; attempt++)
        {
            await Task.Delay(500);
        }

        process.Interrupt();
        var exit = await process.WaitAsync(Timeout);

        Assert.True(exit == 0, $"exit {exit}\n{process.Output}\n{process.Error}");
        var lines = process.Output.Split('\n').Where(l => l.Contains(" published ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count >= 3, process.Output);
        var total = long.Parse(System.Text.RegularExpressions.Regex.Match(lines[^1], @"\(([\d,]+) in all\)").Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total > 0, lines[^1]);
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N") }).Build();
        // Each published step is its states plus one snapshot marker per partition (docs/message-contract.md).
        Assert.Equal(total + (lines.Count * 3), Enumerable.Range(0, 3).Sum(p => consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value));
    }

    [Fact]
    public async Task Airports_import_reads_the_full_OurAirports_csv_into_a_catalogue_the_simulator_flies_between()
    {
        var folder = Directory.CreateTempSubdirectory("flights-airports-");
        try
        {
            var csv = Path.Combine(folder.FullName, "airports.csv");
            await File.WriteAllTextAsync(csv, Csv);
            var catalogue = Path.Combine(folder.FullName, "catalogue", "airports.json");

            await using var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
            var database = new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString };
            var import = await FlightsProcess.RunAsync(database, Timeout, "airports", "import", csv, "--out", catalogue);
            var stored = await AirportsTable.ReadAsync(db.DataSource, CancellationToken.None);
            var again = await FlightsProcess.RunAsync(database, Timeout, "airports", "import", csv, "--out", catalogue);
            var truth = Path.Combine(folder.FullName, "truth.csv");
            var simulate = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "simulate", "--airports", catalogue, "--aircraft", "3", "--hours", "12", "--truth", truth);

            Assert.True(import.ExitCode == 0, import.Error);
            Assert.StartsWith($"Imported 3 airports into {catalogue} (large_airport 2, small_airport 1); skipped 1 (first: line 5: BAD1 has no valid latitude_deg)", import.Output, StringComparison.Ordinal);
            Assert.Equal(["EGLL", "LFPG", "EG01"], AirportCatalogue.ReadFile(catalogue).Airports.Select(a => a.Ident));
            // The table holds exactly the file's airports: the import migrated the empty schema without the built-in ones.
            Assert.Equal(
                [
                    new AirportRow("EG01", "small_airport", "A farm strip", 52.1, -1.2, 300 * Airport.MetresPerFoot, "GB", null, null),
                    new AirportRow("EGLL", "large_airport", "London Heathrow Airport", 51.4706, -0.461941, 83 * Airport.MetresPerFoot, "GB", "LHR", "London"),
                    new AirportRow("LFPG", "large_airport", "Charles de Gaulle International Airport", 49.012798, 2.55, 392 * Airport.MetresPerFoot, "FR", "CDG", "Paris"),
                ],
                stored.OrderBy(a => a.Ident, StringComparer.Ordinal));
            Assert.Contains("airports table: 3 new, 0 updated, 0 unchanged", import.Output, StringComparison.Ordinal);
            Assert.True(again.ExitCode == 0, again.Error);
            Assert.Contains("airports table: 0 new, 0 updated, 3 unchanged", again.Output, StringComparison.Ordinal);
            Assert.Equal(3, (await AirportsTable.ReadAsync(db.DataSource, CancellationToken.None)).Count);
            Assert.True(simulate.ExitCode == 0, simulate.Error);
            var rows = (await File.ReadAllLinesAsync(truth)).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.True((r[2], r[3]) is ("EGLL", "LFPG") or ("LFPG", "EGLL"), string.Join(',', r))); // the strip is no medium or large airport
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Missing_or_foreign_airport_files_are_input_errors_with_exit_code_6()
    {
        var folder = Directory.CreateTempSubdirectory("flights-airports-");
        try
        {
            var foreign = Path.Combine(folder.FullName, "aircraft.csv");
            await File.WriteAllTextAsync(foreign, "icao24,registration\n4b1815,HB-JVA\n");

            var missing = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "airports", "import", Path.Combine(folder.FullName, "none.csv"));
            var wrong = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "simulate", "--airports", foreign, "--hours", "1");

            Assert.Equal((6, $"flights: Airport file not found: {Path.Combine(folder.FullName, "none.csv")}"), (missing.ExitCode, missing.Error.Trim()));
            Assert.Equal((6, $"flights: {foreign} is not an OurAirports airports file: the header lacks the column(s) ident, type, name, latitude_deg, longitude_deg (is this OurAirports airports.csv?)"), (wrong.ExitCode, wrong.Error.Trim()));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
