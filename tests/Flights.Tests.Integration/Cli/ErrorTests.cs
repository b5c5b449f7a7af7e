using System.Net;
using System.Net.Sockets;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Cli;

/// <summary>Each failure a person can meet gives one line saying what failed and what to do, and its exit code.</summary>
public sealed class ErrorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_unreadable_replay_file_says_so_and_exits_6()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-a-zip-{Guid.NewGuid():N}.zip");
        await File.WriteAllTextAsync(path, "this is not a zip archive");
        try
        {
            var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "replay", path);

            Assert.Equal(6, exit);
            Assert.StartsWith($"flights: Cannot read {path} as a zip archive", error.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_replay_file_says_so_and_exits_6()
    {
        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "replay", "/nonexistent/capture.zip");

        Assert.Equal(6, exit);
        Assert.Equal("flights: Replay input not found: /nonexistent/capture.zip (give a .json, .json.gz or .zip file, or a folder of them)", error.Trim());
    }

    [Fact]
    public async Task An_unreachable_PostgreSQL_says_what_to_do_and_exits_3()
    {
        var port = FreePort();

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = $"Host=127.0.0.1;Port={port};Username=flights;Database=flights;Timeout=3" }, Timeout, "db", "migrate");

        Assert.Equal(3, exit);
        Assert.StartsWith("flights: PostgreSQL is unreachable (", error.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("): start it with `./setup.sh db start` or fix ConnectionStrings__Flights.", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task PostgreSQL_down_when_the_pipeline_starts_gives_one_line_without_a_stack_and_exits_3()
    {
        var port = FreePort();

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = $"Host=127.0.0.1;Port={port};Username=flights;Database=flights;Timeout=3" }, Timeout, "run", "--no-fetch", "--no-dashboard");

        Assert.Equal(3, exit);
        Assert.Equal("flights: PostgreSQL is unreachable (Connection refused): start it with `./setup.sh db start` or fix ConnectionStrings__Flights.", error.Trim());
    }

    [Fact]
    public async Task A_missing_aircraft_database_file_goes_to_stderr_and_exits_6()
    {
        var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "aircraft", "import", "/nonexistent/aircraftDatabase.csv");

        Assert.Equal(6, exit);
        Assert.Equal("flights: No such file: /nonexistent/aircraftDatabase.csv. Download the aircraft database CSV from https://opensky-network.org/datasets/metadata/ (see docs/bi.md).", error.Trim());
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task A_file_that_is_not_the_aircraft_database_goes_to_stderr_and_exits_6()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var path = Path.Combine(Path.GetTempPath(), $"not-aircraft-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, "a,b\n1,2\n");
        try
        {
            var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString }, Timeout, "aircraft", "import", path);

            Assert.Equal(6, exit);
            Assert.Equal($"flights: {path} is not the OpenSky aircraft database: The aircraft CSV has no icao24 column (header: a,b).", error.Trim());
            Assert.Equal("", output.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_benchmark_snapshot_goes_to_stderr_and_exits_6()
    {
        var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "bench", "parse", "--snapshot", "/nonexistent/global.json.gz");

        Assert.Equal(6, exit);
        Assert.Equal("flights: Cannot benchmark: no snapshot at /nonexistent/global.json.gz (the recorded one is global-20251228.json.gz in ../shared/data/opensky, or in .local/recordings after ./setup.sh recordings).", error.Trim());
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task An_impossible_benchmark_size_goes_to_stderr_and_exits_6()
    {
        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>(), Timeout, "bench", "write", "--aircraft", "0");

        Assert.Equal(6, exit);
        Assert.Equal("flights: bench write needs --aircraft, --batches and --step-seconds of 1 or more and --history of 0 or more (got 0, 20, 300, 0).", error.Trim());
    }

    [Fact]
    public async Task A_dashboard_port_in_use_says_so_and_exits_7()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString }, Timeout, "dashboard", "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(7, exit);
        Assert.StartsWith("flights: A port is already in use (", error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSky_out_of_reach_says_so_and_exits_5()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var port = FreePort();

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Flights"] = db.ConnectionString,
            ["OpenSky__BaseUrl"] = $"http://127.0.0.1:{port}/api/",
            ["OpenSky__MaxRetries"] = "1",
            ["OpenSky__RetryDelay"] = "00:00:00.050",
        }, Timeout, "fetch", "--once");

        Assert.Equal(5, exit);
        Assert.StartsWith($"flights: OpenSky unreachable at http://127.0.0.1:{port}/api/states/all", error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_OpenSky_credentials_say_which_settings_to_check_and_exit_5()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var tokenEndpoint = new HttpListener();
        var port = FreePort();
        tokenEndpoint.Prefixes.Add($"http://127.0.0.1:{port}/");
        tokenEndpoint.Start();
        var serve = Task.Run(async () =>
        {
            var context = await tokenEndpoint.GetContextAsync();
            context.Response.StatusCode = 401;
            await context.Response.OutputStream.WriteAsync("{\"error\":\"invalid_client\"}"u8.ToArray());
            context.Response.Close();
        });

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Flights"] = db.ConnectionString,
            ["OpenSky__TokenUrl"] = $"http://127.0.0.1:{port}/token",
            ["OpenSky__BaseUrl"] = $"http://127.0.0.1:{port}/api/",
            ["OpenSky__ClientId"] = "someone",
            ["OpenSky__ClientSecret"] = "wrong",
        }, Timeout, "fetch", "--once");

        await serve;
        Assert.Equal(5, exit);
        Assert.Contains("OpenSky__ClientId", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
