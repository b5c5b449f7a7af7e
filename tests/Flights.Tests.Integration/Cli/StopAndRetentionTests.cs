using System.Text.Json;
using Dapper;
using Flights.Tests.Integration.Infrastructure;
using Flights.Tests.Integration.OpenSky;

namespace Flights.Tests.Integration.Cli;

/// <summary>The real `flights` process: replays bigger than the embedded Kafka's retention, and SIGTERM.</summary>
public sealed class StopAndRetentionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_replay_bigger_than_the_embedded_Kafkas_retention_loses_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var temp = new TempFolder("flights-retention-");
        var folder = temp.Path;
        // 100,000 states of ~330 bytes into ONE partition: about four times the ~5 MB the mock cluster keeps
        // per partition. Times an hour back, so that the wall-clock sanity bound accepts them.
        SyntheticSnapshots.Write(folder, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), snapshots: 10, aircraft: 10_000);
        File.WriteAllText(Path.Combine(folder, "README.txt"), "not a response");

        var (exit, output, error) = await FlightsProcess.RunAsync(
            new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString, ["Kafka__EmbeddedPartitions"] = "1" },
            Timeout, "replay", folder, "--speed", "max");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(100_000, summary.GetProperty("states_published").GetInt64());
        Assert.Equal(100_000, summary.GetProperty("states_written").GetInt64());
        Assert.Equal(0, summary.GetProperty("lost").GetInt64());
        Assert.Equal(["README.txt"], summary.GetProperty("skipped_entries").EnumerateArray().Select(e => e.GetString()));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(100_000L, await connection.ExecuteScalarAsync<long>("select sum(state_count) from flight_sessions_current"));
        Assert.Equal(10_000L, await connection.ExecuteScalarAsync<long>("select count(*) from live_status"));
    }

    [Fact]
    public async Task A_replay_of_a_snapshot_dated_in_2100_is_refused_with_one_line_before_anything_is_published()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var temp = new TempFolder("flights-future-");
        var folder = temp.Path;
        SyntheticSnapshots.Write(folder, 4_102_444_800, snapshots: 1, aircraft: 3);

        var (exit, _, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString }, Timeout, "replay", folder);

        Assert.Equal(6, exit);
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("flights: Replay refused: 1 of 1 snapshots in ", line, StringComparison.Ordinal);
        Assert.Contains("snapshot time 4102444800 (2100-01-01 00:00:00Z) is more than 00:10:00 ahead of the wall clock", line, StringComparison.Ordinal);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from dim_aircrafts"));
    }

    [Fact]
    public async Task SIGTERM_during_a_slow_batch_lets_it_commit_and_flights_run_exits_0()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await using var openSky = await ScriptedOpenSky.StartAsync();
        using var temp = new TempFolder("flights-sigterm-");
        var folder = temp.Path;
        // Fresh snapshots of 20,000 new aircraft: the consumer writes them in several batches.
        var times = SyntheticSnapshots.Write(folder, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300, snapshots: 3, aircraft: 20_000);
        openSky.OnStates([.. times.Select(t => Answer.Json(File.ReadAllText(Path.Combine(folder, $"states-{t}.json")), ("X-Rate-Limit-Remaining", "3900")))]);

        using var run = FlightsProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Flights"] = db.ConnectionString,
            ["OpenSky__BaseUrl"] = openSky.BaseUrl.ToString(),
        }, "run", "--no-dashboard");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (await connection.ExecuteScalarAsync<long>("select count(*) from live_status") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // Hold the next batch at its live_status write, stop the process, and let the batch go only after
        // longer than System.CommandLine's ~2 s termination timeout (which used to end it with 143).
        await using var admin = TestPostgres.Admin();
        await using var blocker = await admin.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync($"lock table {db.Schema}.live_status in exclusive mode", transaction: blocking);
        var before = await blocker.ExecuteScalarAsync<long>($"select count(*) from {db.Schema}.live_status", transaction: blocking);
        var waiting = 0L;
        for (var attempt = 0; attempt < 1200 && waiting == 0; attempt++)
        {
            await Task.Delay(50);
            waiting = await connection.ExecuteScalarAsync<long>("select count(*) from pg_stat_activity where application_name = @app and wait_event_type = 'Lock'", new { app = db.Schema });
        }

        Assert.True(waiting > 0, "no batch reached the live_status write");
        run.Terminate();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await blocking.RollbackAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, $"exit {exit}\n{run.Output}\n{run.Error}");
        Assert.Equal("", run.Error);
        // The batch in flight was committed, whole: more aircraft than before, each with its live row at its newest state.
        Assert.True(await connection.ExecuteScalarAsync<long>("select count(*) from live_status") > before, "the batch in flight was not committed");
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("""
            select count(*) from dim_aircrafts d
            left join live_status l using (aircraft_id)
            where l.aircraft_id is null or l.last_contact <> d.last_seen
            """));
    }
}
