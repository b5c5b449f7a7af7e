using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flights.Cli.Hosting;
using Flights.Core.OpenSky;

namespace Flights.Cli.Bench;

/// <summary>
/// Measures <see cref="StatesParser"/> on one recorded response against a straightforward
/// <see cref="JsonSerializer"/> baseline. Prints figures; decides nothing.
/// </summary>
public static class ParseBenchmark
{
    private static readonly byte[] GzipMagic = [0x1F, 0x8B];

    /// <summary>
    /// Loads the snapshot (<c>.json</c> or gzip), parses it <paramref name="iterations"/> times with the
    /// buffer-reusing parser and then with the baseline, and writes a report whose last line is one JSON object.
    /// </summary>
    /// <returns>0 on success.</returns>
    /// <exception cref="CliException">Exit code 6: the file is missing, is not a response, or holds no states.</exception>
    public static async Task<int> RunAsync(string snapshotPath, int iterations, TextWriter output, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentNullException.ThrowIfNull(output);

        if (!File.Exists(snapshotPath))
        {
            throw new CliException(
                $"Cannot benchmark: no snapshot at {Path.GetFullPath(snapshotPath)} (the recorded one is global-20251228.json.gz in ../shared/data/opensky, or in .local/recordings after ./setup.sh recordings).",
                ExitCodes.Input);
        }

        byte[] json = await LoadAsync(snapshotPath, ct);
        var states = new List<StateVector>();
        long time;
        try
        {
            time = StatesParser.Parse(json, states);
        }
        catch (OpenSkyFormatException ex)
        {
            throw new CliException($"Cannot benchmark {snapshotPath}: {ex.Message}", ExitCodes.Input, ex);
        }

        int count = states.Count;
        if (count == 0)
        {
            throw new CliException($"Cannot benchmark {snapshotPath}: the snapshot holds no states.", ExitCodes.Input);
        }

        long callsignBytes = states.Sum(s => s.Callsign is null ? 0L : StringBytes(s.Callsign.Length));

        await output.WriteLineAsync(
            $"snapshot {Path.GetFileName(snapshotPath)}: time {time}, {count} states, {json.Length} bytes of JSON; {iterations} iterations each".AsMemory(),
            ct);

        var fast = Measure(iterations, () => StatesParser.Parse(json, states), ct);
        var baseline = Measure(iterations, () => ParseBaseline(json).Count, ct);

        // Context for the figures: the bare token pass of Utf8JsonReader is the floor of any parser built on it,
        // and the recorded file is pretty-printed (~2.8x the bytes of the compact JSON the API sends).
        var floor = Measure(iterations, () => CountTokens(json), ct);
        byte[] compact = Compact(json);
        var fastCompact = Measure(iterations, () => StatesParser.Parse(compact, states), ct);
        double floorMsPerSnapshot = floor.Elapsed.TotalMilliseconds / iterations;
        double compactMsPerSnapshot = fastCompact.Elapsed.TotalMilliseconds / iterations;

        double msPerSnapshot = fast.Elapsed.TotalMilliseconds / iterations;
        double baselineMsPerSnapshot = baseline.Elapsed.TotalMilliseconds / iterations;
        double allocatedPerState = (double)fast.AllocatedBytes / iterations / count;
        double allocatedPerStateWithoutCallsigns = ((double)fast.AllocatedBytes / iterations - callsignBytes) / count;
        double baselineAllocatedPerState = (double)baseline.AllocatedBytes / iterations / count;
        double speedup = baselineMsPerSnapshot / msPerSnapshot;

        await output.WriteLineAsync(
            $"parser:   {msPerSnapshot:F3} ms/snapshot, {count / msPerSnapshot * 1000:F0} states/s, {allocatedPerStateWithoutCallsigns:F1} B/state without callsign strings ({allocatedPerState:F1} B/state with them)".AsMemory(),
            ct);
        await output.WriteLineAsync(
            $"baseline: {baselineMsPerSnapshot:F3} ms/snapshot, {count / baselineMsPerSnapshot * 1000:F0} states/s, {baselineAllocatedPerState:F1} B/state (JsonSerializer to List<List<JsonElement>>, then mapped)".AsMemory(),
            ct);
        await output.WriteLineAsync(
            $"context:  Utf8JsonReader token pass alone {floorMsPerSnapshot:F3} ms on these bytes; parser on the compact form ({compact.Length} bytes) {compactMsPerSnapshot:F3} ms/snapshot".AsMemory(),
            ct);
        await output.WriteLineAsync(
            $"goals: < 5 ms/snapshot {Verdict(msPerSnapshot < 5)}, >= 5x baseline {Verdict(speedup >= 5)}, < 100 B/state without callsigns {Verdict(allocatedPerStateWithoutCallsigns < 100)}".AsMemory(),
            ct);

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("states_per_s", Math.Round(count / msPerSnapshot * 1000));
            writer.WriteNumber("ms_per_snapshot", Math.Round(msPerSnapshot, 3));
            writer.WriteNumber("allocated_bytes_per_state", Math.Round(allocatedPerStateWithoutCallsigns, 1));
            writer.WriteNumber("baseline_states_per_s", Math.Round(count / baselineMsPerSnapshot * 1000));
            writer.WriteNumber("baseline_ms_per_snapshot", Math.Round(baselineMsPerSnapshot, 3));
            writer.WriteNumber("baseline_allocated_bytes_per_state", Math.Round(baselineAllocatedPerState, 1));
            writer.WriteNumber("speedup", Math.Round(speedup, 2));
            writer.WriteNumber("allocated_bytes_per_state_with_callsigns", Math.Round(allocatedPerState, 1));
            writer.WriteNumber("reader_floor_ms_per_snapshot", Math.Round(floorMsPerSnapshot, 3));
            writer.WriteNumber("compact_ms_per_snapshot", Math.Round(compactMsPerSnapshot, 3));
            writer.WriteEndObject();
        }

        await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray()).AsMemory(), ct);
        return 0;
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static async Task<byte[]> LoadAsync(string path, CancellationToken ct)
    {
        byte[] raw = await File.ReadAllBytesAsync(path, ct);
        if (!raw.AsSpan().StartsWith(GzipMagic))
        {
            return raw;
        }

        using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var json = new MemoryStream();
        await gzip.CopyToAsync(json, ct);
        return json.ToArray();
    }

    private static (TimeSpan Elapsed, long AllocatedBytes) Measure(int iterations, Func<long> parse, CancellationToken ct)
    {
        // Warm up until the JIT has had time to move the hot loop to its optimized tier
        // (scaled down for a smoke run of a few iterations, whose figures mean little anyway).
        int warmupRuns = Math.Min(iterations, 30);
        long warmupMs = iterations >= 30 ? 500 : 0;
        var warmup = Stopwatch.StartNew();
        for (int i = 0; i < warmupRuns || warmup.ElapsedMilliseconds < warmupMs; i++)
        {
            ct.ThrowIfCancellationRequested();
            parse();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            ct.ThrowIfCancellationRequested();
            parse();
        }

        stopwatch.Stop();
        return (stopwatch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    private static long CountTokens(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        long tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    private static byte[] Compact(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream(json.Length / 2);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    // Managed string size on 64-bit: 8 header + 8 method table + 4 length + 2 per char + 2 terminator, 8-aligned.
    private static long StringBytes(int length) => Math.Max(24, (22 + (2L * length) + 7) & ~7L);

    // What a straightforward implementation would write: the serializer to a generic model, then a mapping.
    private static List<StateVector> ParseBaseline(byte[] json)
    {
        var response = JsonSerializer.Deserialize<BaselineResponse>(json)
            ?? throw new JsonException("The response is null.");
        var result = new List<StateVector>(response.States?.Count ?? 0);
        foreach (var f in response.States ?? [])
        {
            string? callsign = f[1].GetString()?.Trim();
            result.Add(new StateVector(
                f[0].GetString()!,
                string.IsNullOrEmpty(callsign) ? null : callsign,
                f[2].GetString(),
                Int64OrNull(f[3]),
                Int64OrNull(f[4]),
                DoubleOrNull(f[5]),
                DoubleOrNull(f[6]),
                DoubleOrNull(f[7]),
                f[8].GetBoolean(),
                DoubleOrNull(f[9]),
                DoubleOrNull(f[10]),
                DoubleOrNull(f[11]),
                DoubleOrNull(f[13]),
                f[14].GetString(),
                f[15].GetBoolean(),
                f[16].GetInt32(),
                f.Count > 17 && f[17].ValueKind == JsonValueKind.Number ? f[17].GetInt32() : null));
        }

        return result;
    }

    private static long? Int64OrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();

    private static double? DoubleOrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    private sealed class BaselineResponse
    {
        [JsonPropertyName("time")]
        public long Time { get; set; }

        [JsonPropertyName("states")]
        public List<List<JsonElement>>? States { get; set; }
    }
}
