using System.Text.Json;
using Dapper;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Cli;

/// <summary>`flights replay` of the recorded DC capture, end to end: the real command, embedded Kafka, real PostgreSQL.</summary>
public sealed class ReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    // Airports of the capture's area: Reagan National, Dulles, Baltimore/Washington, Andrews.
    private static readonly (string Name, double Lat, double Lon)[] Airports = [("DCA", 38.8521, -77.0377), ("IAD", 38.9531, -77.4565), ("BWI", 39.1754, -76.6683), ("ADW", 38.8108, -76.8670)];

    private static string Capture => Recordings.Path("dcmetro-20230318-capture.zip");

    private static Dictionary<string, string?> Environment(TestDatabase db) => new() { ["ConnectionStrings__Flights"] = db.ConnectionString };

    [Fact]
    public async Task Replaying_the_DC_capture_exits_0_and_its_summary_matches_the_database()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();

        var (exit, output, error) = await FlightsProcess.RunAsync(Environment(db), Timeout, "replay", Capture, "--speed", "max");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(402, summary.GetProperty("snapshots").GetInt32());
        Assert.Equal(summary.GetProperty("states_published").GetInt64(), summary.GetProperty("states_written").GetInt64() + summary.GetProperty("states_already_known").GetInt64() + summary.GetProperty("rejected").GetInt64());
        Assert.Equal(0, summary.GetProperty("dead_lettered").GetInt64());
        Assert.Equal(summary.GetProperty("sessions_opened").GetInt64(), await connection.ExecuteScalarAsync<long>("select count(*) from flight_sessions"));
        Assert.Equal(summary.GetProperty("ended_landed").GetInt64(), await connection.ExecuteScalarAsync<long>("select count(*) from flight_sessions where end_reason = 'landed'"));
        Assert.Equal(summary.GetProperty("ended_signal_lost").GetInt64(), await connection.ExecuteScalarAsync<long>("select count(*) from flight_sessions where end_reason = 'signal_lost'"));
        Assert.Equal(122L, await connection.ExecuteScalarAsync<long>("select count(*) from dim_aircrafts"));
        Assert.Equal(new DateTime(2023, 3, 18, 18, 38, 52, DateTimeKind.Utc), await connection.ExecuteScalarAsync<DateTime>("select pipeline_clock from pipeline_state"));
    }

    [Fact]
    public async Task The_DC_capture_gives_routes_with_points_five_minutes_apart_one_open_flight_per_airborne_aircraft_and_landings_at_airports()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var (exit, output, error) = await FlightsProcess.RunAsync(Environment(db), Timeout, "replay", Capture, "--speed", "max");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        await using var connection = await db.DataSource.OpenConnectionAsync();

        // Every route: strictly increasing times, consecutive points at least 5 minutes apart (a final point,
        // the touchdown or last position, is the only one allowed closer to its predecessor).
        var gaps = await connection.QueryAsync<(long SessionId, int Index, double Gap, bool IsLast)>("""
            select s.session_id, p.i::int, extract(epoch from (p.pt->>'t')::timestamptz - (lag(p.pt) over w->>'t')::timestamptz)::float8,
                   p.i = jsonb_array_length(s.route) and s.ended_at is not null
            from flight_sessions_current s, jsonb_array_elements(s.route) with ordinality as p(pt, i)
            window w as (partition by s.session_id order by p.i)
            """);
        var measured = gaps.Where(g => g.Index > 1).ToList();
        Assert.NotEmpty(measured);
        Assert.All(measured, g => Assert.True(g.Gap > 0, $"session {g.SessionId} point {g.Index} is not after its predecessor"));
        Assert.All(measured.Where(g => !g.IsLast), g => Assert.True(g.Gap >= 300, $"session {g.SessionId} point {g.Index} is {g.Gap} s after the previous one"));

        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from (select aircraft_id from flight_sessions where ended_at is null group by aircraft_id having count(*) > 1) t"));

        // Every aircraft whose newest state is airborne and within the last 20 minutes has exactly one open flight.
        var airborneWithoutFlight = await connection.ExecuteScalarAsync<long>("""
            select count(*) from live_status l
            where not l.on_ground and l.last_contact > (select pipeline_clock from pipeline_state) - interval '20 minutes'
              and (select count(*) from flight_sessions s where s.aircraft_id = l.aircraft_id and s.ended_at is null) <> 1
            """);
        Assert.Equal(0L, airborneWithoutFlight);
        Assert.True(await connection.ExecuteScalarAsync<long>("select count(*) from live_status where not on_ground") > 50);

        // No flight made only of ground states.
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("""
            select count(*) from flight_sessions_current s
            where jsonb_array_length(s.route) > 0 and not exists (select 1 from jsonb_array_elements(s.route) p where not (p->>'on_ground')::bool)
            """));

        // Landings end on the ground at the area's airports.
        var landings = (await connection.QueryAsync<(double Lat, double Lon, bool OnGround)>(
            "select (route->-1->>'lat')::float8, (route->-1->>'lon')::float8, (route->-1->>'on_ground')::bool from flight_sessions where end_reason = 'landed'")).ToList();
        Assert.True(landings.Count >= 3, $"only {landings.Count} landings");
        Assert.All(landings, l =>
        {
            Assert.True(l.OnGround);
            var nearest = Airports.Min(a => Flights.Core.Sessions.RoutePoint.DistanceKm(l.Lat, l.Lon, a.Lat, a.Lon));
            Assert.True(nearest < 5, $"landing at {l.Lat},{l.Lon} is {nearest:0.0} km from the nearest airport");
        });
    }

    [Fact]
    public async Task Replaying_the_same_capture_twice_changes_nothing_the_second_time()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var first = await FlightsProcess.RunAsync(Environment(db), Timeout, "replay", Capture, "--speed", "max");
        Assert.True(first.ExitCode == 0, first.Error);
        var afterFirst = await pipeline.DumpAsync();

        var second = await FlightsProcess.RunAsync(Environment(db), Timeout, "replay", Capture, "--speed", "max");

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal(afterFirst, await pipeline.DumpAsync());
        var summary = JsonDocument.Parse(second.Output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(0, summary.GetProperty("states_written").GetInt64());
        Assert.Equal(0, summary.GetProperty("sessions_opened").GetInt64());
    }

    [Fact]
    public async Task Stopping_a_replay_midway_and_running_it_again_loses_and_duplicates_nothing()
    {
        await using var uninterruptedDb = await TestPostgres.CreateDatabaseAsync();
        await using var interruptedDb = await TestPostgres.CreateDatabaseAsync();
        var uninterrupted = await FlightsProcess.RunAsync(Environment(uninterruptedDb), Timeout, "replay", Capture, "--speed", "max");
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Error);

        // Paced replay (the capture spans 907 s: about 18 s at 50x), stopped with Ctrl+C once some of it is written.
        using (var stopped = FlightsProcess.Start(Environment(interruptedDb), "replay", Capture, "--speed", "50"))
        {
            await using var connection = await interruptedDb.DataSource.OpenConnectionAsync();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (await connection.ExecuteScalarAsync<long>("select count(*) from flight_sessions") < 20 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            stopped.Interrupt();
            Assert.Equal(0, await stopped.WaitAsync(Timeout));
            Assert.True(await connection.ExecuteScalarAsync<DateTime>("select pipeline_clock from pipeline_state") < new DateTime(2023, 3, 18, 18, 38, 52, DateTimeKind.Utc), "the replay finished before it was stopped");
        }

        var resumed = await FlightsProcess.RunAsync(Environment(interruptedDb), Timeout, "replay", Capture, "--speed", "max");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(await LogicalDumpAsync(uninterruptedDb), await LogicalDumpAsync(interruptedDb));
    }

    [Fact]
    public async Task Publish_only_fills_the_given_Kafka_topic_and_touches_no_database()
    {
        var topic = TestKafka.CreateTopic("backlog", partitions: 3);

        var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = TestKafka.BootstrapServers,
            ["Kafka__Topic"] = topic,
            ["ConnectionStrings__Flights"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
        }, Timeout, "replay", Capture, "--speed", "max", "--publish-only");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Equal(25_797, JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.GetProperty("states_published").GetInt64());
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N") }).Build();
        var total = Enumerable.Range(0, 3).Sum(p => consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
        Assert.Equal(25_797 + (402 * 3), total); // every state, and after each of the 402 snapshots a marker to each of the 3 partitions
    }

    // The tables without surrogate keys (a rolled-back insert still uses up identity values).
    private static async Task<string> LogicalDumpAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<string>("""
            select 'a ' || (to_jsonb(d) - 'aircraft_id')::text from dim_aircrafts d
            union all select 'l ' || d.transponder_hex || (to_jsonb(l) - 'aircraft_id' - 'flight_session_id')::text from live_status l join dim_aircrafts d using (aircraft_id)
            union all select 's ' || d.transponder_hex || (to_jsonb(s) - 'session_id' - 'aircraft_id')::text from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            union all select 'p ' || (to_jsonb(p) - 'last_fetch_at')::text from pipeline_state p
            order by 1
            """);
        return string.Join("\n", rows);
    }
}
