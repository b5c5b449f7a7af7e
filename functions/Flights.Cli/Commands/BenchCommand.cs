using System.CommandLine;
using Flights.Cli.Bench;
using Flights.Cli.Hosting;
using Microsoft.Extensions.Configuration;

namespace Flights.Cli.Commands;

/// <summary>`flights bench write|parse`: benchmarks that print figures (the last line is JSON).</summary>
public static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var aircraft = new Option<int>("--aircraft") { Description = "Distinct aircraft per batch", DefaultValueFactory = _ => 12_000 };
        var batches = new Option<int>("--batches") { Description = "Consecutive batches", DefaultValueFactory = _ => 20 };
        var step = new Option<int>("--step-seconds") { Description = "Time between batches (300 appends a route point every batch)", DefaultValueFactory = _ => 300 };
        var history = new Option<int>("--history") { Description = "Ended flights (of other aircraft, 12 route points each) in the warehouse before the run, as after weeks of operation", DefaultValueFactory = _ => 0 };
        var writers = new Option<int>("--writers") { Description = "Connections that write one large batch together (1 = one transaction per batch)", DefaultValueFactory = _ => Flights.Core.Storage.SmartWriter.DefaultWriters };
        var write = new Command("write", "Smart write vs a per-row baseline against the configured PostgreSQL (a scratch schema, dropped after)") { aircraft, batches, step, history, writers };
        write.SetAction(async (parseResult, cancellationToken) =>
        {
            CheckWriteInput(parseResult.GetValue(aircraft), parseResult.GetValue(batches), parseResult.GetValue(step), parseResult.GetValue(history), parseResult.GetValue(writers));
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose), StartLocalPostgres: true), output, cancellationToken);
            var connectionString = host.Configuration.GetConnectionString("Flights")!;
            return await WriteBenchmark.RunAsync(connectionString, parseResult.GetValue(aircraft), parseResult.GetValue(batches), parseResult.GetValue(step), parseResult.GetValue(history), parseResult.GetValue(writers), output, cancellationToken);
        });

        var snapshot = new Option<string>("--snapshot") { Description = "A recorded global /states/all response (.json or .json.gz)", DefaultValueFactory = _ => DefaultSnapshot() };
        var iterations = new Option<int>("--iterations") { Description = "Parses per parser", DefaultValueFactory = _ => 200 };
        var parse = new Command("parse", "The streaming OpenSky parser vs a straightforward JsonDocument parse of the same bytes") { snapshot, iterations };
        parse.SetAction((parseResult, cancellationToken) =>
        {
            var count = parseResult.GetValue(iterations);
            if (count < 1)
            {
                throw new CliException($"bench parse needs --iterations of 1 or more (got {count}).", ExitCodes.Input);
            }

            return ParseBenchmark.RunAsync(parseResult.GetValue(snapshot)!, count, output, cancellationToken);
        });

        var bench = new Command("bench", "Benchmarks (figures, not tests)");
        bench.Subcommands.Add(write);
        bench.Subcommands.Add(parse);
        return bench;
    }

    // The recorded snapshot from the repository root: ../shared beside the checkout, else the cache that
    // ./setup.sh recordings fills.
    private static string DefaultSnapshot()
    {
        const string shared = "../shared/data/opensky/global-20251228.json.gz";
        const string cache = ".local/recordings/global-20251228.json.gz";
        return File.Exists(shared) || !File.Exists(cache) ? shared : cache;
    }

    private static void CheckWriteInput(int aircraft, int batches, int stepSeconds, int history, int writers)
    {
        if (writers < 1)
        {
            throw new CliException($"bench write needs --writers of 1 or more (got {writers}).", ExitCodes.Input);
        }

        if (aircraft < 1 || batches < 1 || stepSeconds < 1 || history < 0)
        {
            throw new CliException($"bench write needs --aircraft, --batches and --step-seconds of 1 or more and --history of 0 or more (got {aircraft}, {batches}, {stepSeconds}, {history}).", ExitCodes.Input);
        }
    }
}
