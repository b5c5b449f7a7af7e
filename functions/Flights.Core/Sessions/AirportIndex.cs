namespace Flights.Core.Sessions;

/// <summary>An airport found near a point, with the great-circle distance to its reference point.</summary>
public sealed record NearbyAirport(AirportRow Airport, double DistanceKm);

/// <summary>
/// The airports catalogue in memory for nearest-airport look-ups: sorted by latitude, so a look-up reads only
/// the band of airports within the radius north and south (a few dozen of ~5,000 medium and large airports, a
/// few hundred of the full catalogue) and measures those by haversine. Immutable: a reload builds a new one.
/// </summary>
public sealed class AirportIndex
{
    private const double KmPerDegreeLatitude = 111.19; // mean earth radius 6,371 km

    private readonly AirportRow[] airports;
    private readonly double[] latitudes;

    /// <summary>Indexes the airports whose type is one of <paramref name="types"/> (all when null).</summary>
    public AirportIndex(IEnumerable<AirportRow> catalogue, IReadOnlySet<string>? types = null)
    {
        airports = catalogue.Where(a => types is null || types.Contains(a.Type)).OrderBy(a => a.Latitude).ToArray();
        latitudes = airports.Select(a => a.Latitude).ToArray();
    }

    /// <summary>An index with no airports (before any catalogue is loaded).</summary>
    public static AirportIndex Empty { get; } = new([]);

    /// <summary>Airports indexed.</summary>
    public int Count => airports.Length;

    /// <summary>The nearest airport within <paramref name="radiusKm"/> of the point, or null.</summary>
    public NearbyAirport? Nearest(double latitude, double longitude, double radiusKm)
    {
        var band = radiusKm / KmPerDegreeLatitude;
        var start = Array.BinarySearch(latitudes, latitude - band);
        if (start < 0)
        {
            start = ~start;
        }

        // Equal latitudes: BinarySearch may land on any of them; step back to the first.
        while (start > 0 && latitudes[start - 1] >= latitude - band)
        {
            start--;
        }

        NearbyAirport? best = null;
        for (var i = start; i < airports.Length && latitudes[i] <= latitude + band; i++)
        {
            var airport = airports[i];
            var distance = RoutePoint.DistanceKm(latitude, longitude, airport.Latitude, airport.Longitude);
            // Of two at the same distance the one with the smaller ident wins, so the answer never depends on load order.
            if (distance <= radiusKm && (best is null || distance < best.DistanceKm || (distance == best.DistanceKm && string.CompareOrdinal(airport.Ident, best.Airport.Ident) < 0)))
            {
                best = new NearbyAirport(airport, distance);
            }
        }

        return best;
    }
}
