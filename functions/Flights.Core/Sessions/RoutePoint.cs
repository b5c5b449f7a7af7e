using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flights.Core.Sessions;

/// <summary>One point of a flight's route, stored as an element of the session's JSONB <c>route</c> array.</summary>
/// <param name="Time">Position time, Unix seconds (stored as ISO 8601 UTC under <c>t</c>).</param>
/// <param name="Latitude">Degrees.</param>
/// <param name="Longitude">Degrees.</param>
/// <param name="AltitudeM">Barometric altitude in metres, else geometric, else null.</param>
/// <param name="SpeedKmh">Ground speed in km/h.</param>
/// <param name="HeadingDeg">True track in degrees.</param>
/// <param name="VerticalRateMs">Vertical rate in m/s.</param>
/// <param name="OnGround">Surface position report.</param>
public sealed record RoutePoint(long Time, double Latitude, double Longitude, double? AltitudeM, double? SpeedKmh, double? HeadingDeg, double? VerticalRateMs, bool OnGround)
{
    /// <summary>The route point of a state, or null when the state has no position.</summary>
    public static RoutePoint? From(in CleanState state) => state.HasPosition
        ? new RoutePoint(state.PositionTime!.Value, state.Latitude!.Value, state.Longitude!.Value, state.BaroAltitudeM ?? state.GeoAltitudeM, state.VelocityKmh, state.HeadingDeg, state.VerticalRateMs, state.OnGround)
        : null;

    /// <summary>The JSON object stored in the route: <c>{"t":"...Z","lat":..,"lon":..,"alt_m":..,"speed_kmh":..,"heading":..,"vrate_ms":..,"on_ground":..}</c>.</summary>
    public void AppendJson(StringBuilder json)
    {
        json.Append("{\"t\":\"").Append(DateTime.UnixEpoch.AddSeconds(Time).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('"');
        json.Append(",\"lat\":").Append(Latitude.ToString("R", CultureInfo.InvariantCulture));
        json.Append(",\"lon\":").Append(Longitude.ToString("R", CultureInfo.InvariantCulture));
        AppendNumber(json, ",\"alt_m\":", AltitudeM);
        AppendNumber(json, ",\"speed_kmh\":", SpeedKmh);
        AppendNumber(json, ",\"heading\":", HeadingDeg);
        AppendNumber(json, ",\"vrate_ms\":", VerticalRateMs);
        json.Append(",\"on_ground\":").Append(OnGround ? "true" : "false").Append('}');
    }

    /// <summary>The points as a JSON array.</summary>
    public static string ToJsonArray(IReadOnlyList<RoutePoint> points)
    {
        var json = new StringBuilder(points.Count * 140 + 2).Append('[');
        for (var i = 0; i < points.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            points[i].AppendJson(json);
        }

        return json.Append(']').ToString();
    }

    /// <summary>Reads one point as written by <see cref="AppendJson"/>.</summary>
    public static RoutePoint FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new RoutePoint(
            root.GetProperty("t").GetDateTimeOffset().ToUnixTimeSeconds(),
            root.GetProperty("lat").GetDouble(),
            root.GetProperty("lon").GetDouble(),
            NumberOrNull(root, "alt_m"),
            NumberOrNull(root, "speed_kmh"),
            NumberOrNull(root, "heading"),
            NumberOrNull(root, "vrate_ms"),
            root.GetProperty("on_ground").GetBoolean());
    }

    /// <summary>Great-circle distance between two points in km (haversine, mean Earth radius).</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double EarthRadiusKm = 6371.0088;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static double? NumberOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static void AppendNumber(StringBuilder json, string name, double? value)
    {
        json.Append(name);
        if (value is { } v)
        {
            json.Append(Math.Round(v, 2).ToString("R", CultureInfo.InvariantCulture));
        }
        else
        {
            json.Append("null");
        }
    }
}
