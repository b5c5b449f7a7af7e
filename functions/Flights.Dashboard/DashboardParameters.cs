using System.Globalization;

namespace Flights.Dashboard;

/// <summary>
/// Checks of the API's query and route parameters. Each returns null when the value is usable, else the
/// one-line reason the client gets with a 400.
/// </summary>
public static class DashboardParameters
{
    /// <summary>The longest text filter accepted; callsigns, registrations and country names are far shorter.</summary>
    public const int MaxTextLength = 100;

    /// <summary>The most flights one request returns.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The longest airport code accepted; OurAirports idents are at most 7 characters (<c>US-0001</c>).</summary>
    public const int MaxAirportLength = 12;

    /// <summary>The flights list's filters, checked; <see cref="Airport"/> is upper-case.</summary>
    public readonly record struct Filter(string? Callsign, string? Aircraft, string? Country, string? Airport, int Limit);

    /// <summary>Checks the flights list's filters; blank filters are absent, the limit defaults to 200.</summary>
    public static string? FlightsFilter(string? callsign, string? aircraft, string? country, string? airport, string? limit, out Filter filter)
    {
        filter = default;
        var error = Text("callsign", ref callsign) ?? Text("aircraft", ref aircraft) ?? Text("country", ref country) ?? Airport(ref airport);
        if (error is not null)
        {
            return error;
        }

        var count = 200;
        if (!string.IsNullOrWhiteSpace(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxLimit))
        {
            return $"limit must be a whole number from 1 to {MaxLimit}";
        }

        filter = new Filter(callsign, aircraft, country, airport, count);
        return null;
    }

    /// <summary>Checks a flight id (a positive whole number).</summary>
    public static string? FlightId(string value, out long id) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0 ? null : "flight id must be a positive whole number";

    /// <summary>Checks a transponder address (6 hex digits, any case) and returns it lower-cased.</summary>
    public static string? Icao24(string value, out string icao24)
    {
        icao24 = value.ToLowerInvariant();
        return icao24.Length == 6 && icao24.All(char.IsAsciiHexDigitLower) ? null : "icao24 must be 6 hexadecimal digits";
    }

    // An airport is named by its catalogue ident (KDCA, EDDF, US-0001), the value flight_sessions stores, so
    // anything else can never match and is refused rather than answered with an empty list.
    private static string? Airport(ref string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            value = null;
            return null;
        }

        value = value.Trim().ToUpperInvariant();
        return value.Length <= MaxAirportLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? null
            : $"airport must be an airport code (letters, digits and hyphens, at most {MaxAirportLength}), e.g. KDCA";
    }

    // Control characters (NUL above all: PostgreSQL text cannot hold it) are never part of a name or code.
    private static string? Text(string name, ref string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            value = null; // tabs and line breaks alone are a blank field, not a filter
            return null;
        }

        if (value.Any(char.IsControl))
        {
            return $"{name} must not contain control characters";
        }

        value = value.Trim();
        return value.Length > MaxTextLength ? $"{name} must be at most {MaxTextLength} characters" : null;
    }
}
