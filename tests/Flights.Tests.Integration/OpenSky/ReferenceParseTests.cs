using System.IO.Compression;
using System.Text.Json;
using Flights.Core.OpenSky;

using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.OpenSky;

/// <summary>
/// The hand-written scanner against the plainest possible reading of the same bytes: every field of every
/// state of every recorded response must come out identical (doubles bit for bit).
/// </summary>
public class ReferenceParseTests
{
    [Fact]
    public void The_global_snapshot_parses_exactly_as_a_JsonDocument_reading_of_it()
    {
        byte[] json;
        using (var gzip = new GZipStream(File.OpenRead(Recordings.Path("global-20251228.json.gz")), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            json = buffer.ToArray();
        }

        AssertSameAsReference(json);
    }

    [Fact]
    public void Every_dc_metro_response_parses_exactly_as_a_JsonDocument_reading_of_it()
    {
        using var zip = ZipFile.OpenRead(Recordings.Path("dcmetro-20230318-capture.zip"));
        int compared = 0;
        foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            AssertSameAsReference(buffer.ToArray());
            compared++;
        }

        Assert.Equal(900, compared);
    }

    private static void AssertSameAsReference(byte[] json)
    {
        var (expectedTime, expectedStates) = ReferenceParse(json);

        var actual = StatesParser.Parse(json);

        Assert.Equal(expectedTime, actual.Time);
        Assert.Equal(expectedStates.Count, actual.States.Count);
        for (int i = 0; i < expectedStates.Count; i++)
        {
            // Record equality compares doubles with ==, which would let -0.0 pass for 0.0: compare bits too.
            Assert.Equal(expectedStates[i], actual.States[i]);
            Assert.Equal(Bits(expectedStates[i]), Bits(actual.States[i]));
        }
    }

    private static long?[] Bits(StateVector s) =>
        [.. new[] { s.Longitude, s.Latitude, s.BaroAltitude, s.Velocity, s.TrueTrack, s.VerticalRate, s.GeoAltitude }
            .Select(d => d is double value ? BitConverter.DoubleToInt64Bits(value) : (long?)null)];

    // The straightforward reading: a DOM, one accessor per field, no shortcuts.
    private static (long Time, List<StateVector> States) ReferenceParse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var states = new List<StateVector>();
        if (root.GetProperty("states").ValueKind == JsonValueKind.Array)
        {
            foreach (var state in root.GetProperty("states").EnumerateArray())
            {
                var f = state.EnumerateArray().ToList();
                string? callsign = f[1].ValueKind == JsonValueKind.Null ? null : f[1].GetString()!.Trim();
                states.Add(new StateVector(
                    f[0].GetString()!,
                    string.IsNullOrEmpty(callsign) ? null : callsign,
                    f[2].ValueKind == JsonValueKind.Null ? null : f[2].GetString(),
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
                    f[14].ValueKind == JsonValueKind.Null ? null : f[14].GetString(),
                    f[15].GetBoolean(),
                    f[16].GetInt32(),
                    f.Count > 17 && f[17].ValueKind == JsonValueKind.Number ? f[17].GetInt32() : null));
            }
        }

        return (root.GetProperty("time").GetInt64(), states);
    }

    private static long? Int64OrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();

    private static double? DoubleOrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();
}
