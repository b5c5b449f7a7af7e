using Flights.Cli.Bench;
using Flights.Cli.Hosting;

using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.OpenSky;

// Checks the report's shape the CLI relies on; never the figures (benchmarks print, tests do not time).
public class ParseBenchmarkTests
{
    [Fact]
    public async Task The_parse_benchmark_ends_with_one_json_object_of_the_agreed_figures()
    {
        using var output = new StringWriter();

        int exitCode = await ParseBenchmark.RunAsync(Recordings.Path("global-20251228.json.gz"), 1, output, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var (lines, _) = BenchmarkReport.Read(
            output.ToString(),
            "states_per_s", "ms_per_snapshot", "allocated_bytes_per_state", "baseline_states_per_s", "baseline_ms_per_snapshot",
            "baseline_allocated_bytes_per_state", "speedup", "allocated_bytes_per_state_with_callsigns",
            "reader_floor_ms_per_snapshot", "compact_ms_per_snapshot");
        Assert.StartsWith("snapshot global-20251228.json.gz: time 1766888059, 6553 states, 2429556 bytes of JSON", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parse_benchmark_says_where_it_looked_when_the_snapshot_is_missing()
    {
        using var output = new StringWriter();

        var error = await Assert.ThrowsAsync<CliException>(() => ParseBenchmark.RunAsync("/nonexistent/global.json.gz", 10, output, CancellationToken.None));

        Assert.Equal(ExitCodes.Input, error.ExitCode);
        Assert.StartsWith("Cannot benchmark: no snapshot at /nonexistent/global.json.gz", error.Message, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }
}
