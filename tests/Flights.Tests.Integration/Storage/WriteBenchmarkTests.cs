using Flights.Cli.Bench;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Storage;

// Checks what the write benchmark did and the report's shape; never the figures (benchmarks print, tests do not time).
public class WriteBenchmarkTests
{
    [Fact]
    public async Task The_write_benchmark_runs_the_real_processor_over_a_history_and_ends_with_one_json_object()
    {
        using var output = new StringWriter();

        int exitCode = await WriteBenchmark.RunAsync(TestPostgres.ServerConnection, aircraft: 40, batches: 3, stepSeconds: 300, historyFlights: 10, output, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var (lines, figures) = BenchmarkReport.Read(
            output.ToString(),
            "states_per_s", "ms_per_batch_p50", "ms_per_batch_max", "baseline_states_per_s", "ratio", "aircraft", "batches", "step_seconds", "history_flights");
        Assert.Equal("bench write: 3 batches x 40 distinct aircraft, time step 300 s (route point interval 300 s), 10 ended flights before the run", lines[0]);
        Assert.StartsWith("history of 10 ended flights written in ", lines[1], StringComparison.Ordinal);
        string[] smart = lines.Where(l => l.StartsWith("smart write batch", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, smart.Length);
        Assert.EndsWith("applied 40, points +40, opened 40", smart[0], StringComparison.Ordinal);
        Assert.EndsWith("applied 40, points +40, opened 0", smart[1], StringComparison.Ordinal);
        Assert.EndsWith("applied 40, points +40, opened 0", smart[2], StringComparison.Ordinal);
        Assert.Contains("sessions of this run hold 120 route points; the warehouse holds 10 ended flights", lines);
        Assert.Equal(3, lines.Count(l => l.StartsWith("baseline batch", StringComparison.Ordinal)));
        Assert.Equal(10, figures.GetProperty("history_flights").GetInt32());
    }

    [Fact]
    public async Task The_write_benchmark_leaves_no_schema_behind()
    {
        await using var admin = TestPostgres.Admin();
        long before = await CountBenchSchemasAsync(admin);

        await WriteBenchmark.RunAsync(TestPostgres.ServerConnection, aircraft: 5, batches: 1, stepSeconds: 300, historyFlights: 0, TextWriter.Null, CancellationToken.None);

        Assert.Equal(before, await CountBenchSchemasAsync(admin));
    }

    private static async Task<long> CountBenchSchemasAsync(Npgsql.NpgsqlDataSource admin)
    {
        await using var command = admin.CreateCommand("select count(*) from pg_namespace where nspname like 'bench\\_%'");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
