using System.IO.Compression;
using Flights.Core.OpenSky;

using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.OpenSky;

public class RecordedSnapshotsTests
{
    [Fact]
    public void The_recorded_global_snapshot_parses_completely()
    {
        byte[] json;
        using (var gzip = new GZipStream(File.OpenRead(Recordings.Path("global-20251228.json.gz")), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            json = buffer.ToArray();
        }

        var snapshot = StatesParser.Parse(json);

        Assert.Equal(1766888059, snapshot.Time);
        Assert.Equal(6553, snapshot.States.Count);
        Assert.Equal(6553, snapshot.States.Select(s => s.Icao24).Distinct().Count());
        Assert.Equal(67, snapshot.States.Count(s => s.Longitude is null));
        Assert.Equal(67, snapshot.States.Count(s => s.Latitude is null));
        Assert.Equal(602, snapshot.States.Count(s => s.BaroAltitude is null));
        Assert.Equal(631, snapshot.States.Count(s => s.GeoAltitude is null));
        Assert.Equal(3036, snapshot.States.Count(s => s.Squawk is null));
        Assert.All(snapshot.States, s => Assert.Null(s.Category));
        Assert.All(snapshot.States, s => Assert.True(s.Callsign is null || s.Callsign == s.Callsign.Trim()));
    }

    [Fact]
    public void Every_recorded_dc_metro_response_parses_with_the_documented_totals()
    {
        using var zip = ZipFile.OpenRead(Recordings.Path("dcmetro-20230318-capture.zip"));
        var entries = zip.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.Ordinal)).ToList();
        var states = new List<StateVector>();
        var times = new HashSet<long>();
        var aircraft = new HashSet<string>(StringComparer.Ordinal);
        int rows = 0;

        foreach (var entry in entries)
        {
            byte[] json;
            using (var stream = entry.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                json = buffer.ToArray();
            }

            times.Add(StatesParser.Parse(json, states));
            rows += states.Count;
            aircraft.UnionWith(states.Select(s => s.Icao24));
            Assert.All(states, s => Assert.Null(s.Category));
        }

        Assert.Equal(900, entries.Count);
        Assert.Equal(57756, rows);
        Assert.Equal(402, times.Count);
        Assert.Equal(907, times.Max() - times.Min());
        Assert.Equal(122, aircraft.Count);
    }
}
