using System.Text;

namespace Flights.Core.Enrichment;

/// <summary>One data row of the aircraft database, by the columns the import uses.</summary>
internal sealed record AircraftCsvRow(int Line, string Icao24, string? Registration, string? Manufacturer, string? Model, string? TypeCode, string? Operator, string? OperatorIcao);

/// <summary>
/// Reads the OpenSky aircraft database CSV: a header naming the columns (any order, extra ones ignored),
/// fields quoted with the quote character the header uses (<c>"</c> in aircraftDatabase.csv, <c>'</c> in
/// the newer aircraft-database-complete files), doubled quotes inside quotes, commas and line breaks
/// inside quoted fields.
/// </summary>
internal sealed class AircraftCsvReader(TextReader reader)
{
    private static readonly string[] Wanted = ["icao24", "registration", "manufacturername", "model", "typecode", "operator", "operatoricao"];
    private char quote = '"';
    private int line;
    private int[] index = [];

    /// <summary>Data rows whose fields could not be read or whose transponder address is not 6 hex digits.</summary>
    public int Malformed { get; private set; }

    /// <summary>The rows, malformed ones skipped and counted.</summary>
    /// <exception cref="InvalidDataException">The file has no header with an <c>icao24</c> column.</exception>
    public IEnumerable<AircraftCsvRow> ReadRows()
    {
        // Reading the header also learns the quote character (see ReadRecord).
        var header = ReadRecord(out _) ?? throw new InvalidDataException("The aircraft CSV is empty.");
        var names = header.Select(h => h.Trim().Trim('\'', '"').ToLowerInvariant()).ToList();
        index = Wanted.Select(w => names.IndexOf(w)).ToArray();
        if (index[0] < 0)
        {
            throw new InvalidDataException($"The aircraft CSV has no icao24 column (header: {string.Join(",", names)}).");
        }

        var needed = index.Max() + 1;
        while (ReadRecord(out var complete) is { } fields)
        {
            var rowLine = line;
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // blank line
            }

            var icao = fields.Count > index[0] ? fields[index[0]].Trim().ToLowerInvariant() : "";
            if (!complete || fields.Count < needed || !IsHex6(icao))
            {
                Malformed++;
                continue;
            }

            yield return new AircraftCsvRow(rowLine, icao, Field(fields, 1), Field(fields, 2), Field(fields, 3), Field(fields, 4), Field(fields, 5), Field(fields, 6));
        }
    }

    private string? Field(List<string> fields, int wanted)
    {
        var i = index[wanted];
        if (i < 0)
        {
            return null;
        }

        var value = fields[i].Trim();
        return value.Length == 0 ? null : value;
    }

    private static bool IsHex6(string value) => value.Length == 6 && value.All(char.IsAsciiHexDigitLower);

    // One record (which may span lines inside quotes); null at the end of the file. complete is false
    // when the file ended inside a quoted field.
    private List<string>? ReadRecord(out bool complete)
    {
        complete = true;
        var first = reader.Peek();
        if (first < 0)
        {
            return null;
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        line++;
        while (true)
        {
            var next = reader.Read();
            if (next < 0)
            {
                complete = !quoted;
                fields.Add(field.ToString());
                return fields;
            }

            var c = (char)next;
            if (quoted)
            {
                if (c == quote)
                {
                    if (reader.Peek() == quote)
                    {
                        field.Append(quote);
                        reader.Read();
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

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'' when atFieldStart && (line == 1 || c == quote):
                    quote = c; // the header's first quoted field fixes the quote character for the file
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
                    return fields;
                default:
                    field.Append(c);
                    atFieldStart = false;
                    break;
            }
        }
    }
}
