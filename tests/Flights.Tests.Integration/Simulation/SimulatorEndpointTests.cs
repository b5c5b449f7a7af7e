using System.IO.Compression;
using Flights.Cli.Replay;
using Flights.Cli.Simulation;
using Flights.Core.Airports;
using Flights.Core.OpenSky;
using Flights.Core.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flights.Tests.Integration.Simulation;

/// <summary>The simulator's OpenSky endpoint on loopback, called by the pipeline's real OpenSky client.</summary>
public sealed class SimulatorEndpointTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);

    private static TrafficSimulator Simulator() =>
        new(new SimulationOptions { Aircraft = 300, Seed = 3, Start = Noon.ToUnixTimeSeconds() }, AirportCatalogue.BuiltIn);

    private static async Task<(WebApplication App, ServiceProvider Services, IOpenSkyClient Client)> StartAsync(TrafficSimulator simulator, EndpointBehaviour behaviour, FakeTimeProvider time, string? box = null)
    {
        var app = new SimulatorEndpoint(simulator, behaviour, time).Build("http://127.0.0.1:0");
        await app.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OpenSky:BaseUrl"] = app.Urls.First() + "/api/",
            ["OpenSky:BoundingBox"] = box,
            ["OpenSky:MaxRetries"] = "2",
            ["OpenSky:RetryDelay"] = "00:00:00.010",
        };
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(time)
            .AddOpenSky(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        return (app, services, services.GetRequiredService<IOpenSkyClient>());
    }

    [Fact]
    public async Task The_OpenSky_client_fetches_the_simulated_snapshot_of_its_time_and_box_and_reads_the_remaining_credits()
    {
        var time = new FakeTimeProvider(Noon.AddSeconds(1234));
        var simulator = Simulator();
        var (app, services, client) = await StartAsync(simulator, new EndpointBehaviour(Credits: 1000, FailEvery: 0), time, box: "35,-10,60,30");
        await using (app)
        await using (services)
        {
            var result = await client.FetchStatesAsync(CancellationToken.None);

            var expected = simulator.SnapshotAt(Noon.ToUnixTimeSeconds() + 1230, new BoundingBox(35, -10, 60, 30));
            Assert.Equal(expected.Time, result.Snapshot!.Time);
            Assert.NotEmpty(expected.States);
            Assert.Equal(expected.States, result.Snapshot.States);
            Assert.Equal(996, result.CreditsRemaining); // a box of 1,000 square degrees costs 4 credits, as a global call
        }
    }

    [Fact]
    public async Task Spent_credits_answer_429_with_the_wait_until_midnight_and_the_client_waits_for_it()
    {
        var time = new FakeTimeProvider(Noon);
        var (app, services, client) = await StartAsync(Simulator(), new EndpointBehaviour(Credits: 3, FailEvery: 0), time);
        await using (app)
        await using (services)
        {
            using var http = new HttpClient();
            using var raw = await http.GetAsync(app.Urls.First() + "/api/states/all");
            var result = await client.FetchStatesAsync(CancellationToken.None);

            Assert.Equal(429, (int)raw.StatusCode); // a global call costs 4 credits, 3 are left
            Assert.Equal("Too many requests", await raw.Content.ReadAsStringAsync());
            Assert.Equal("43200", raw.Headers.GetValues("X-Rate-Limit-Retry-After-Seconds").Single());
            Assert.Null(result.Snapshot);
            Assert.Equal(0, result.CreditsRemaining);
            Assert.Equal(new DateTimeOffset(2026, 3, 21, 0, 0, 0, TimeSpan.Zero), result.NextCallAt);
        }
    }

    [Fact]
    public async Task A_simulated_outage_answers_503_in_plain_text_and_costs_no_credit()
    {
        var time = new FakeTimeProvider(Noon);
        var app = new SimulatorEndpoint(Simulator(), new EndpointBehaviour(Credits: 1000, FailEvery: 2), time).Build("http://127.0.0.1:0");
        await app.StartAsync();
        await using (app)
        {
            using var http = new HttpClient();
            using var ok = await http.GetAsync(app.Urls.First() + "/api/states/all");
            using var outage = await http.GetAsync(app.Urls.First() + "/api/states/all");
            using var again = await http.GetAsync(app.Urls.First() + "/api/states/all");

            Assert.Equal((200, 503, 200), ((int)ok.StatusCode, (int)outage.StatusCode, (int)again.StatusCode));
            Assert.Equal("Service Unavailable (simulated outage)", await outage.Content.ReadAsStringAsync());
            Assert.Equal("996", ok.Headers.GetValues("X-Rate-Limit-Remaining").Single());
            Assert.Equal("992", again.Headers.GetValues("X-Rate-Limit-Remaining").Single());
        }
    }

    [Fact]
    public async Task The_OpenSky_client_retries_a_simulated_outage_within_its_tick_and_gets_the_snapshot()
    {
        var time = new FakeTimeProvider(Noon);
        var (app, services, client) = await StartAsync(Simulator(), new EndpointBehaviour(Credits: 1000, FailEvery: 2), time);
        await using (app)
        await using (services)
        {
            var first = await client.FetchStatesAsync(CancellationToken.None);
            time.Advance(first.NextCallAt - time.GetUtcNow());
            var fetch = client.FetchStatesAsync(CancellationToken.None); // its first request meets the outage
            while (!fetch.IsCompleted)
            {
                // The client's retry delay runs on the fake clock: move it on until the retry has happened.
                await Task.Delay(10);
                time.Advance(TimeSpan.FromMilliseconds(20));
            }

            var second = await fetch;

            Assert.NotNull(second.Snapshot);
            Assert.Equal(992, second.CreditsRemaining);
        }
    }

    [Fact]
    public async Task Snapshots_written_to_a_zip_and_to_a_folder_read_back_in_flights_replay_as_the_simulated_states()
    {
        var simulator = Simulator();
        var folder = Directory.CreateTempSubdirectory("flights-simulate-");
        try
        {
            var start = Noon.ToUnixTimeSeconds();
            var zip = Path.Combine(folder.FullName, "day.zip");
            var files = Path.Combine(folder.FullName, "files");

            var summary = SimulationRunner.Generate(simulator, start, start + 600, zip, CancellationToken.None);
            SimulationRunner.Generate(simulator, start, start + 600, files, CancellationToken.None);

            Assert.Equal(60, summary.Snapshots);
            using (var archive = ZipFile.OpenRead(zip))
            {
                Assert.Equal($"states-{start}.json", archive.Entries[0].FullName);
            }

            Assert.Equal(60, Directory.GetFiles(files, "states-*.json.gz").Length);
            foreach (var read in new[] { SnapshotReader.Read(zip), SnapshotReader.Read(files) })
            {
                Assert.Equal(60, read.Count);
                Assert.Equal(summary.States, read.Sum(s => s.States.Count));
                Assert.Equal(simulator.SnapshotAt(start + 300).States, read.Single(s => s.Time == start + 300).States);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
