using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Dapper;
using Flights.Cli.Hosting;
using Flights.Cli.Replay;
using Flights.Core.Simulation;
using Flights.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Flights.Cli.Simulation;

/// <summary>The file, benchmark and evaluation modes of `flights simulate`.</summary>
public static class SimulationRunner
{
    private const string ClockSql = """
        select extract(epoch from pipeline_clock)::bigint from pipeline_state
        """;

    private const string FlightsSql = """
        select d.transponder_hex as Icao24, extract(epoch from s.started_at)::bigint as StartedAt,
               extract(epoch from s.ended_at)::bigint as EndedAt, s.start_reason as StartReason, s.end_reason as EndReason
        from flight_sessions s join dim_aircrafts d using (aircraft_id)
        where d.transponder_hex = any(@icao24s) and s.started_at >= @from and s.started_at < @to
        """;

    /// <summary>What producing the snapshots took.</summary>
    public sealed record GenerationSummary(int Snapshots, long States, double Seconds)
    {
        public double StatesPerSecond => States / Math.Max(Seconds, 0.001);
    }

    /// <summary>
    /// Produces every snapshot of [start, end); writes them when <paramref name="output"/> is given: a .zip of
    /// <c>states-&lt;time&gt;.json</c> entries, or else a folder of <c>states-&lt;time&gt;.json.gz</c> files. Either is what `flights replay` reads.
    /// </summary>
    public static GenerationSummary Generate(TrafficSimulator simulator, long start, long end, string? output, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var snapshots = 0;
        long states = 0;
        ZipArchive? zip = null;
        try
        {
            if (output is not null)
            {
                if (output.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
                    zip = ZipFile.Open(output, ZipArchiveMode.Create);
                }
                else
                {
                    Directory.CreateDirectory(output);
                }
            }

            foreach (var time in simulator.SnapshotTimes(start, end))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var snapshot = simulator.SnapshotAt(time);
                snapshots++;
                states += snapshot.States.Count;
                var name = string.Create(CultureInfo.InvariantCulture, $"states-{time}.json");
                if (zip is not null)
                {
                    using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                    StatesJson.Write(snapshot, entry);
                }
                else if (output is not null)
                {
                    using var file = File.Create(Path.Combine(output, name + ".gz"));
                    using var gzip = new GZipStream(file, CompressionLevel.Fastest);
                    StatesJson.Write(snapshot, gzip);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write the snapshots to {output}: {ex.Message}", ExitCodes.Input, ex);
        }
        finally
        {
            zip?.Dispose();
        }

        return new GenerationSummary(snapshots, states, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Writes the truth as JSON, or as CSV when the path ends in .csv.</summary>
    public static void WriteTruth(SimulationTruth truth, string path)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                using var writer = new StreamWriter(path);
                truth.WriteCsv(writer);
            }
            else
            {
                using var stream = File.Create(path);
                truth.WriteJson(stream);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write the truth to {path}: {ex.Message}", ExitCodes.Input, ex);
        }
    }

    /// <summary>
    /// The start an evaluation uses when none is given: 2026-01-01, or the UTC midnight after the database's
    /// pipeline clock when the database already holds later data, since the lifecycle runs on that clock.
    /// </summary>
    public static async Task<long> EvaluationStartAsync(NpgsqlDataSource dataSource, long preferred, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long? clock;
        try
        {
            clock = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(ClockSql, cancellationToken: cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            clock = null; // a database never migrated holds no data
        }

        return clock is { } c && c >= preferred ? (c / 86400 + 1) * 86400 : preferred;
    }

    /// <summary>Replays the simulation through the whole pipeline and compares the stored flights with the truth.</summary>
    public static async Task<AccuracyReport> EvaluateAsync(TrafficSimulator simulator, long start, long end, CliHostOptions hostOptions, TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"flights-simulate-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var generated = Generate(simulator, start, end, folder, cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Generated {generated.Snapshots:N0} snapshots ({generated.States:N0} states) in {generated.Seconds:0.0} s"));
            var replay = await ReplayRunner.RunAsync(folder, null, false, hostOptions, output, cancellationToken);
            await ReplayRunner.PrintAsync(replay, output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        await using var host = await CliHost.CreateAsync(hostOptions with { StartLocalPostgres = true }, output, cancellationToken);
        using var app = host.Build();
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var fleet = simulator.Fleet.Select(a => a.Icao24).ToArray();
        var flights = await connection.QueryAsync<StoredFlight>(new CommandDefinition(FlightsSql,
            new { icao24s = fleet, from = DateTimeOffset.FromUnixTimeSeconds(start).UtcDateTime, to = DateTimeOffset.FromUnixTimeSeconds(end).UtcDateTime }, cancellationToken: cancellationToken));
        var sessions = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Flights.Core.Sessions.SessionOptions>>().Value;
        var step = (long)simulator.Options.Resolution.TotalSeconds;
        return AccuracyEvaluator.Evaluate(simulator.Legs(start, end), flights, start, end - step, simulator.Options.Resolution, sessions.FlightEndThreshold);
    }

    /// <summary>Prints the report, then the same as one JSON line.</summary>
    public static async Task PrintAsync(AccuracyReport r, TextWriter output)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            Accuracy against the simulator's truth
              legs (whole in the window)   {r.Legs:N0} (clean: {r.CleanLegs:N0}; signal lost before touchdown: {r.LostBeforeLanding:N0})
              legs found                   {r.LegsFound:N0}
              start = takeoff (±1 step)    {r.StartsWithin:N0}
              end = touchdown (±1 step)    {r.EndsWithin:N0}
              ended landed                 {r.EndedLanded:N0}
              lost before touchdown, ended signal_lost  {r.LostBeforeLandingSignalLost:N0} of {r.LostBeforeLanding:N0}
              split into several flights   {r.SplitLegs:N0}
              exact                        {r.Exact:N0} (clean legs: {r.CleanExact:N0} of {r.CleanLegs:N0})
              flights stored               {r.Flights:N0} (without a leg: {r.FlightsWithoutLeg:N0})
              precision {r.Precision:P2}, recall {r.Recall:P2}, recall on clean legs {r.CleanRecall:P2}
            """));
        await output.WriteLineAsync(JsonSerializer.Serialize(new
        {
            legs = r.Legs,
            clean_legs = r.CleanLegs,
            legs_found = r.LegsFound,
            starts_within = r.StartsWithin,
            ends_within = r.EndsWithin,
            ended_landed = r.EndedLanded,
            lost_before_landing = r.LostBeforeLanding,
            lost_before_landing_signal_lost = r.LostBeforeLandingSignalLost,
            split_legs = r.SplitLegs,
            exact = r.Exact,
            clean_exact = r.CleanExact,
            flights = r.Flights,
            flights_without_leg = r.FlightsWithoutLeg,
            precision = Math.Round(r.Precision, 4),
            recall = Math.Round(r.Recall, 4),
            clean_recall = Math.Round(r.CleanRecall, 4),
        }));
    }
}
