namespace Flights.Core.Airports;

/// <summary>A point on the earth in WGS-84 degrees.</summary>
/// <param name="Latitude">Degrees north, -90 to 90.</param>
/// <param name="Longitude">Degrees east, -180 to 180.</param>
public readonly record struct GeoPoint(double Latitude, double Longitude);

/// <summary>
/// Great-circle geometry on a spherical earth (mean radius 6,371 km): good to about 0.5% against the
/// ellipsoid, which is far below what a state vector's position or an airport's reference point resolve.
/// </summary>
public static class Geo
{
    /// <summary>Mean earth radius in kilometres.</summary>
    public const double EarthRadiusKm = 6371.0088;

    private const double ToRadians = Math.PI / 180;
    private const double ToDegrees = 180 / Math.PI;

    /// <summary>Great-circle distance in kilometres (haversine, stable for short distances).</summary>
    public static double DistanceKm(GeoPoint a, GeoPoint b)
    {
        var dLat = (b.Latitude - a.Latitude) * ToRadians;
        var dLon = (b.Longitude - a.Longitude) * ToRadians;
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(a.Latitude * ToRadians) * Math.Cos(b.Latitude * ToRadians) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>Initial bearing from <paramref name="from"/> towards <paramref name="to"/>, degrees clockwise from north in [0, 360).</summary>
    public static double BearingDegrees(GeoPoint from, GeoPoint to)
    {
        var lat1 = from.Latitude * ToRadians;
        var lat2 = to.Latitude * ToRadians;
        var dLon = (to.Longitude - from.Longitude) * ToRadians;
        var y = Math.Sin(dLon) * Math.Cos(lat2);
        var x = Math.Cos(lat1) * Math.Sin(lat2) - Math.Sin(lat1) * Math.Cos(lat2) * Math.Cos(dLon);
        return (Math.Atan2(y, x) * ToDegrees + 360) % 360;
    }

    /// <summary>The point <paramref name="distanceKm"/> from <paramref name="from"/> on the initial bearing <paramref name="bearingDegrees"/>.</summary>
    public static GeoPoint Destination(GeoPoint from, double bearingDegrees, double distanceKm)
    {
        var delta = distanceKm / EarthRadiusKm;
        var theta = bearingDegrees * ToRadians;
        var lat1 = from.Latitude * ToRadians;
        var lon1 = from.Longitude * ToRadians;
        var lat2 = Math.Asin(Math.Sin(lat1) * Math.Cos(delta) + Math.Cos(lat1) * Math.Sin(delta) * Math.Cos(theta));
        var lon2 = lon1 + Math.Atan2(Math.Sin(theta) * Math.Sin(delta) * Math.Cos(lat1), Math.Cos(delta) - Math.Sin(lat1) * Math.Sin(lat2));
        return new GeoPoint(lat2 * ToDegrees, NormalizeLongitude(lon2 * ToDegrees));
    }

    /// <summary>The point at <paramref name="fraction"/> (0 to 1) of the great circle from <paramref name="a"/> to <paramref name="b"/>.</summary>
    public static GeoPoint Intermediate(GeoPoint a, GeoPoint b, double fraction)
    {
        var delta = DistanceKm(a, b) / EarthRadiusKm;
        if (delta < 1e-12)
        {
            return a;
        }

        var lat1 = a.Latitude * ToRadians;
        var lon1 = a.Longitude * ToRadians;
        var lat2 = b.Latitude * ToRadians;
        var lon2 = b.Longitude * ToRadians;
        var wa = Math.Sin((1 - fraction) * delta) / Math.Sin(delta);
        var wb = Math.Sin(fraction * delta) / Math.Sin(delta);
        var x = wa * Math.Cos(lat1) * Math.Cos(lon1) + wb * Math.Cos(lat2) * Math.Cos(lon2);
        var y = wa * Math.Cos(lat1) * Math.Sin(lon1) + wb * Math.Cos(lat2) * Math.Sin(lon2);
        var z = wa * Math.Sin(lat1) + wb * Math.Sin(lat2);
        return new GeoPoint(Math.Atan2(z, Math.Sqrt(x * x + y * y)) * ToDegrees, Math.Atan2(y, x) * ToDegrees);
    }

    /// <summary>Longitude folded into [-180, 180).</summary>
    public static double NormalizeLongitude(double longitude) => ((longitude + 540) % 360) - 180;
}
