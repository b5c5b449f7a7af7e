using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flights.Cli.Hosting;
using Flights.Cli.Simulation;
using Flights.Core.Airports;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Flights.Cli.Commands;

/// <summary>
/// `flights simulate`: synthetic air traffic between real airports. Writes snapshot files for `flights replay`
/// and the ground truth, serves an OpenSky-compatible endpoint, measures generation speed, or replays a
/// simulated day through the pipeline and reports its accuracy against the truth (--evaluate).
/// </summary>
public static class SimulateCommand
{
    private static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Command Create(TextWriter output)
    {
        var aircraft = new Option<int>("--aircraft") { Description = "Number of aircraft", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed and options give the same traffic", DefaultValueFactory = _ => 1 };
        var hours = new Option<double>("--hours") { Description = "Simulated hours of snapshots", DefaultValueFactory = _ => 24 };
        var start = new Option<string?>("--start") { Description = "First snapshot time (ISO 8601, UTC); default 2026-01-01T00:00:00Z, or now with --serve" };
        var resolution = new Option<int>("--resolution") { Description = "Seconds between snapshots", DefaultValueFactory = _ => 10 };
        var region = new Option<string?>("--region") { Description = "Only airports in lamin,lomin,lamax,lomax (degrees)" };
        var airports = new Option<string?>("--airports") { Description = "Airport catalogue file (OurAirports airports.csv, or the .json `flights airports import` writes); default: the built-in medium and large airports" };
        var outPath = new Option<string?>("--out") { Description = "Write snapshots: a .zip, or a folder of .json.gz files (both readable by `flights replay`)" };
        var truth = new Option<string?>("--truth") { Description = "Write the ground truth (each leg: airports, takeoff, landing): .json or .csv" };
        var serve = new Option<bool>("--serve") { Description = "Serve OpenSky's /api/states/all on loopback at the current time until Ctrl+C" };
        var urls = new Option<string>("--urls") { Description = "Where --serve listens", DefaultValueFactory = _ => "http://127.0.0.1:8090" };
        var credits = new Option<int>("--credits") { Description = "--serve: credits for the day (OpenSky's cost per call by box area); 429 once spent", DefaultValueFactory = _ => 1_000_000 };
        var failEvery = new Option<int>("--fail-every") { Description = "--serve: answer every Nth call with 503 (0: never)", DefaultValueFactory = _ => 0 };
        var publish = new Option<bool>("--publish") { Description = "Publish the current time's snapshot to the Kafka given by Kafka__BootstrapServers every resolution step until Ctrl+C (the cluster's traffic source)" };
        var spoofRate = new Option<double>("--spoof-rate") { Description = "Share of states whose position jumps 300-900 km for that one state (GPS spoofing); 0: none", DefaultValueFactory = _ => 0 };
        var evaluate = new Option<bool>("--evaluate") { Description = "Replay the simulation through the pipeline (embedded Kafka, PostgreSQL) and report precision and recall against the truth" };
        var command = new Command("simulate", "Synthetic air traffic between real airports: snapshot files, ground truth, an OpenSky-compatible endpoint, or an accuracy evaluation")
        {
            aircraft, seed, hours, start, resolution, region, airports, outPath, truth, serve, urls, credits, failEvery, publish, evaluate, spoofRate,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var verbose = parseResult.GetValue(FlightsCommandLine.Verbose);
            var isServe = parseResult.GetValue(serve);
            var isEvaluate = parseResult.GetValue(evaluate);
            var isPublish = parseResult.GetValue(publish);
            if ((isServe ? 1 : 0) + (isEvaluate ? 1 : 0) + (isPublish ? 1 : 0) > 1)
            {
                throw new CliException("--serve, --publish and --evaluate do not go together", ExitCodes.Configuration);
            }

            isServe |= isPublish; // both follow the wall clock

            var hoursValue = parseResult.GetValue(hours);
            if (!(hoursValue > 0))
            {
                throw new CliException("--hours takes a positive number", ExitCodes.Configuration);
            }

            var startTime = ParseStart(parseResult.GetValue(start), isServe);
            BoundingBox? box = null;
            if (parseResult.GetValue(region) is { } regionText)
            {
                if (!BoundingBox.TryParse(regionText, out var parsed, out var error))
                {
                    throw new CliException($"--region: {error}", ExitCodes.Configuration);
                }

                box = parsed;
            }

            var options = new SimulationOptions
            {
                Aircraft = parseResult.GetValue(aircraft),
                Seed = parseResult.GetValue(seed),
                Start = startTime,
                Resolution = TimeSpan.FromSeconds(parseResult.GetValue(resolution)),
                Region = box,
                SpoofRate = parseResult.GetValue(spoofRate),
            };
            if (options.Validate() is { } problem)
            {
                throw new CliException($"Invalid simulation options: {problem}", ExitCodes.Configuration);
            }

            var catalogue = LoadCatalogue(parseResult.GetValue(airports));
            var hostOptions = new CliHostOptions(verbose);
            if (isEvaluate && parseResult.GetValue(start) is null)
            {
                options = options with { Start = await EvaluationStartAsync(hostOptions, options.Start, output, cancellationToken) };
            }

            var simulator = CreateSimulator(options, catalogue);
            var end = options.Start + (long)Math.Round(hoursValue * 3600);
            if (isPublish)
            {
                return await PublishAsync(simulator, new CliHostOptions(verbose), output, cancellationToken);
            }

            if (isServe)
            {
                return await ServeAsync(simulator, parseResult.GetValue(urls)!, new EndpointBehaviour(parseResult.GetValue(credits), parseResult.GetValue(failEvery)), output, cancellationToken);
            }

            if (isEvaluate)
            {
                var report = await SimulationRunner.EvaluateAsync(simulator, options.Start, end, hostOptions, output, cancellationToken);
                WriteTruthIfAsked(parseResult.GetValue(truth), simulator, options, end);
                await SimulationRunner.PrintAsync(report, output);
                return ExitCodes.Ok;
            }

            var summary = SimulationRunner.Generate(simulator, options.Start, end, parseResult.GetValue(outPath), cancellationToken);
            WriteTruthIfAsked(parseResult.GetValue(truth), simulator, options, end);
            var legs = simulator.Legs(options.Start, end).Count;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Simulated {options.Aircraft:N0} aircraft, {legs:N0} legs: {summary.Snapshots:N0} snapshots, {summary.States:N0} states in {summary.Seconds:0.0} s ({summary.StatesPerSecond:N0} states/s){(parseResult.GetValue(outPath) is { } o ? $", written to {o}" : "")}"));
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                aircraft = options.Aircraft,
                legs,
                snapshots = summary.Snapshots,
                states = summary.States,
                seconds = Math.Round(summary.Seconds, 2),
                states_per_s = Math.Round(summary.StatesPerSecond),
            }));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static long ParseStart(string? text, bool serve)
    {
        if (text is null)
        {
            return serve ? DateTimeOffset.UtcNow.ToUnixTimeSeconds() : DefaultStart.ToUnixTimeSeconds();
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new CliException($"--start takes an ISO 8601 time such as 2026-01-01T00:00:00Z, not '{text}'", ExitCodes.Configuration);
        }

        return value.ToUnixTimeSeconds();
    }

    private static AirportCatalogue LoadCatalogue(string? path)
    {
        if (path is null)
        {
            return AirportCatalogue.BuiltIn;
        }

        if (!File.Exists(path))
        {
            throw new CliException($"Airport file not found: {path}", ExitCodes.Input);
        }

        try
        {
            return new AirportCatalogue(AirportCatalogue.ReadFile(path).Airports);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or IOException)
        {
            throw new CliException($"{path} is not an OurAirports airports file: {ex.Message}", ExitCodes.Input, ex);
        }
    }

    private static TrafficSimulator CreateSimulator(SimulationOptions options, AirportCatalogue catalogue)
    {
        try
        {
            return new TrafficSimulator(options, catalogue);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"Cannot simulate: {ex.Message}", ExitCodes.Configuration, ex);
        }
    }

    private static void WriteTruthIfAsked(string? path, TrafficSimulator simulator, SimulationOptions options, long end)
    {
        if (path is not null)
        {
            SimulationRunner.WriteTruth(new SimulationTruth(options.Seed, options.Aircraft, options.Start, end, (int)options.Resolution.TotalSeconds, simulator.Legs(options.Start, end)), path);
        }
    }

    private static async Task<long> EvaluationStartAsync(CliHostOptions hostOptions, long preferred, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = await CliHost.CreateAsync(hostOptions with { StartLocalPostgres = true }, output, cancellationToken);
        using var app = host.Build();
        return await SimulationRunner.EvaluationStartAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), preferred, cancellationToken);
    }

    // The wall clock's snapshot every resolution step, into Kafka: what the fetch timer publishes, from the
    // simulator instead of OpenSky. A step missed while publishing is skipped, as a late fetch would be.
    private static async Task<int> PublishAsync(TrafficSimulator simulator, CliHostOptions hostOptions, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = await CliHost.CreateAsync(hostOptions, output, cancellationToken);
        if (string.IsNullOrWhiteSpace(host.Configuration["Kafka:BootstrapServers"]))
        {
            throw new CliException("--publish needs a Kafka to publish to: set Kafka__BootstrapServers.", ExitCodes.Configuration);
        }

        using var app = host.Build();
        var publisher = app.Services.GetRequiredService<StatePublisher>();
        var step = (long)simulator.Options.Resolution.TotalSeconds;
        await output.WriteLineAsync($"Publishing {simulator.Fleet.Count:N0} simulated aircraft to {host.Configuration["Kafka:BootstrapServers"]} every {step} s (Ctrl+C to stop)");
        long published = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var time = now.ToUnixTimeSeconds() / step * step;
            var snapshot = simulator.SnapshotAt(time);
            // Not cancelled midway: Ctrl+C stops between snapshots, so every count printed is what Kafka holds.
            var result = await publisher.PublishAsync(snapshot, CancellationToken.None);
            if (!result.AllDelivered)
            {
                throw new CliException($"Kafka did not take snapshot {time}: {result.Failed} messages failed ({result.FirstError}); check Kafka__BootstrapServers.", ExitCodes.Kafka);
            }

            published += result.Delivered;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.FromUnixTimeSeconds(time):u} published {result.Delivered:N0} states ({published:N0} in all)"));
            var next = DateTimeOffset.FromUnixTimeSeconds(time + step);
            var wait = next - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> ServeAsync(TrafficSimulator simulator, string urls, EndpointBehaviour behaviour, TextWriter output, CancellationToken cancellationToken)
    {
        var app = new SimulatorEndpoint(simulator, behaviour, TimeProvider.System).Build(urls);
        await using (app)
        {
            await app.StartAsync(cancellationToken);
            await output.WriteLineAsync($"Serving {simulator.Fleet.Count:N0} simulated aircraft as OpenSky at {string.Join(", ", app.Urls)}/api/states/all (Ctrl+C to stop). Point the pipeline at it: OpenSky__BaseUrl={app.Urls.First()}/api/");
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return ExitCodes.Ok;
    }
}
