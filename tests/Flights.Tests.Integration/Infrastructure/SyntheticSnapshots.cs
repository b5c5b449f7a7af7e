using System.Globalization;
using System.Text;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>
/// Generated <c>/api/states/all</c> responses: <c>aircraft</c> airborne aircraft reporting every <c>step</c>
/// seconds, each state new, with positions that do not compress well (like real ones).
/// </summary>
public static class SyntheticSnapshots
{
    /// <summary>Writes <paramref name="snapshots"/> response files into <paramref name="folder"/>; returns the snapshot times.</summary>
    public static long[] Write(string folder, long firstTime, int snapshots, int aircraft, int step = 10)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(42);
        var times = new long[snapshots];
        for (var s = 0; s < snapshots; s++)
        {
            var time = firstTime + ((long)s * step);
            times[s] = time;
            var json = new StringBuilder(aircraft * 200);
            json.Append(CultureInfo.InvariantCulture, $"{{\"time\":{time},\"states\":[");
            for (var a = 0; a < aircraft; a++)
            {
                if (a > 0)
                {
                    json.Append(',');
                }

                var lat = 30 + (random.NextDouble() * 30);
                var lon = -120 + (random.NextDouble() * 100);
                json.Append(CultureInfo.InvariantCulture,
                    $"[\"{a + 0x100000:x6}\",\"SYN{a:D5}  \",\"Testland\",{time - 1},{time},{lon:R},{lat:R},{9000 + (random.NextDouble() * 3000):R},false,{200 + (random.NextDouble() * 50):R},{random.NextDouble() * 360:R},0.0,null,{9100 + (random.NextDouble() * 3000):R},\"{random.Next(1000, 7777)}\",false,0]");
            }

            json.Append("]}");
            File.WriteAllText(Path.Combine(folder, $"states-{time}.json"), json.ToString());
        }

        return times;
    }
}

/// <summary>A uniquely named folder under the temp directory, deleted with what it holds on dispose.</summary>
public sealed class TempFolder(string prefix) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
