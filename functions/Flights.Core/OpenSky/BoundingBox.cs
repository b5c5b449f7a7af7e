using System.Globalization;

namespace Flights.Core.OpenSky;

/// <summary>A latitude/longitude box in WGS-84 degrees, as sent in OpenSky's <c>lamin</c>, <c>lomin</c>, <c>lamax</c>, <c>lomax</c>.</summary>
/// <param name="LaMin">Southern edge, -90..90.</param>
/// <param name="LoMin">Western edge, -180..180.</param>
/// <param name="LaMax">Northern edge, greater than <paramref name="LaMin"/>.</param>
/// <param name="LoMax">Eastern edge, greater than <paramref name="LoMin"/>.</param>
public readonly record struct BoundingBox(double LaMin, double LoMin, double LaMax, double LoMax)
{
    /// <summary>Latitude range times longitude range in square degrees: what OpenSky prices a call by.</summary>
    public double AreaSquareDegrees => (LaMax - LaMin) * (LoMax - LoMin);

    /// <summary>Parses <c>"lamin,lomin,lamax,lomax"</c> (invariant culture, OpenSky's order) and checks the ranges.</summary>
    /// <param name="text">The four numbers separated by commas.</param>
    /// <param name="box">The box when valid.</param>
    /// <param name="error">Why the text is not a valid box; null when valid.</param>
    /// <returns>True when <paramref name="text"/> is a valid box.</returns>
    public static bool TryParse(string? text, out BoundingBox box, out string? error)
    {
        box = default;
        string[] parts = (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        var values = new double[4];
        if (parts.Length != 4)
        {
            error = $"expected four comma-separated numbers \"lamin,lomin,lamax,lomax\", got {parts.Length} value(s)";
            return false;
        }

        for (int i = 0; i < 4; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                error = $"\"{parts[i]}\" is not a number (write decimals with a point: \"lamin,lomin,lamax,lomax\")";
                return false;
            }
        }

        var candidate = new BoundingBox(values[0], values[1], values[2], values[3]);
        error = candidate.Check();
        if (error is not null)
        {
            return false;
        }

        box = candidate;
        return true;
    }

    /// <summary>The query string OpenSky expects, e.g. <c>lamin=45.8&amp;lomin=5.9&amp;lamax=47.8&amp;lomax=10.5</c>.</summary>
    public string ToQueryString() => string.Create(
        CultureInfo.InvariantCulture,
        $"lamin={LaMin}&lomin={LoMin}&lamax={LaMax}&lomax={LoMax}");

    private string? Check()
    {
        if (LaMin is < -90 or > 90 || LaMax is < -90 or > 90)
        {
            return $"latitudes must lie within -90..90 (got lamin {LaMin}, lamax {LaMax})";
        }

        if (LoMin is < -180 or > 180 || LoMax is < -180 or > 180)
        {
            return $"longitudes must lie within -180..180 (got lomin {LoMin}, lomax {LoMax})";
        }

        if (LaMin >= LaMax)
        {
            return $"lamin ({LaMin}) must be less than lamax ({LaMax})";
        }

        if (LoMin >= LoMax)
        {
            return $"lomin ({LoMin}) must be less than lomax ({LoMax}); a box across the antimeridian needs two calls";
        }

        return null;
    }
}
