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
               extract(epoch from s.ended_at)::bigint as EndedAt, s.start_reason as StartReason, s.end_reason as EndReason,
               s.departure_airport as DepartureAirport, s.arrival_airport as ArrivalAirport
        from flight_sessions s join dim_aircrafts d using (aircraft_id)
        where d.transponder_hex = any(@icao24s) and s.started_at >= @from and s.started_at < @to
        """;

    /// <summary>What producing the snapshots took.</summary>
    public sealed record GenerationSummary(int Snapshots, long States, double Seconds, long SpoofedStates = 0)
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
        long spoofed = 0;
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

            var fleetIndex = simulator.Fleet.Select((a, i) => (a.Icao24, i)).ToDictionary(a => a.Icao24, a => a.i);
            foreach (var time in simulator.SnapshotTimes(start, end))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var snapshot = simulator.SnapshotAt(time);
                snapshots++;
                states += snapshot.States.Count;
                if (simulator.Options.SpoofRate > 0)
                {
                    spoofed += snapshot.States.Count(st => st.Latitude is not null && fleetIndex.TryGetValue(st.Icao24, out var i) && simulator.IsSpoofed(i, time));
                }

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

        return new GenerationSummary(snapshots, states, watch.Elapsed.TotalSeconds, spoofed);
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

    /// <summary>What an evaluation found: flights, their airports, and the spoofed positions against those the pipeline refused.</summary>
    public sealed record Evaluation(AccuracyReport Flights, AirportAccuracyReport Airports, long SpoofedStates, long ImplausiblePositions);

    /// <summary>Replays the simulation through the whole pipeline and compares the stored flights with the truth.</summary>
    public static async Task<Evaluation> EvaluateAsync(TrafficSimulator simulator, long start, long end, CliHostOptions hostOptions, TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"flights-simulate-{Environment.ProcessId}-{Guid.NewGuid():N}");
        long spoofed, implausible;
        try
        {
            var generated = Generate(simulator, start, end, folder, cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Generated {generated.Snapshots:N0} snapshots ({generated.States:N0} states) in {generated.Seconds:0.0} s"));
            spoofed = generated.SpoofedStates;
            var replay = await ReplayRunner.RunAsync(folder, null, false, hostOptions, output, cancellationToken);
            await ReplayRunner.PrintAsync(replay, output);
            implausible = replay.ImplausiblePositions;
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
        var legs = simulator.Legs(start, end);
        var stored = flights.AsList();
        return new Evaluation(
            AccuracyEvaluator.Evaluate(legs, stored, start, end - step, simulator.Options.Resolution, sessions.FlightEndThreshold),
            AccuracyEvaluator.EvaluateAirports(legs, stored, start, end - step, sessions.FlightEndThreshold),
            spoofed,
            implausible);
    }

    /// <summary>Prints the report, then the same as one JSON line.</summary>
    public static async Task PrintAsync(Evaluation evaluation, TextWriter output)
    {
        var r = evaluation.Flights;
        var a = evaluation.Airports;
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
              departure airports           {a.DeparturesRight:N0} right of {a.DeparturesGiven:N0} given: precision {a.DeparturePrecision:P2}, recall {a.DepartureRecall:P2}
              arrival airports             {a.ArrivalsRight:N0} right of {a.ArrivalsGiven:N0} given: precision {a.ArrivalPrecision:P2}, recall {a.ArrivalRecall:P2}
              spoofed positions sent       {evaluation.SpoofedStates:N0}; implausible positions refused {evaluation.ImplausiblePositions:N0}
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
            departures_given = a.DeparturesGiven,
            departures_right = a.DeparturesRight,
            departure_precision = Math.Round(a.DeparturePrecision, 4),
            departure_recall = Math.Round(a.DepartureRecall, 4),
            arrivals_given = a.ArrivalsGiven,
            arrivals_right = a.ArrivalsRight,
            arrival_precision = Math.Round(a.ArrivalPrecision, 4),
            arrival_recall = Math.Round(a.ArrivalRecall, 4),
            spoofed_states = evaluation.SpoofedStates,
            implausible_positions = evaluation.ImplausiblePositions,
        }));
    }
}
