using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Flights.Core.OpenSky;

/// <summary>
/// Parses <c>/api/states/all</c> responses straight from UTF-8 bytes. A response that does not have
/// the documented shape throws <see cref="OpenSkyFormatException"/>; there is never a partial result.
/// </summary>
/// <remarks>
/// Lenient where real responses vary: integers where floats are meant, <c>states: null</c>, 17 or 18
/// fields per state (the 18th, category, comes with <c>extended=1</c>), unknown top-level properties.
/// Strict everywhere else: a wrong type in any field is an error, not a silently dropped value.
/// </remarks>
public static class StatesParser
{
    private const int RequiredFieldCount = 17;

    private static readonly string[] FieldNames =
    [
        "icao24", "callsign", "origin_country", "time_position", "last_contact", "longitude", "latitude",
        "baro_altitude", "on_ground", "velocity", "true_track", "vertical_rate", "sensors", "geo_altitude",
        "squawk", "spi", "position_source", "category",
    ];

    // About 200 countries: 1,024 slots keep collisions rare. Squawks are 4 octal digits (4,096 codes).
    private static readonly Utf8StringCache Countries = new(1024);
    private static readonly Utf8StringCache Squawks = new(8192);

    /// <summary>Parses one response into a new snapshot.</summary>
    /// <param name="utf8Json">The response body as UTF-8 (a leading byte order mark is allowed).</param>
    /// <returns>The snapshot time and its states (empty for <c>states: null</c>).</returns>
    /// <exception cref="OpenSkyFormatException">The body is not a well-formed states response.</exception>
    public static StatesSnapshot Parse(ReadOnlySpan<byte> utf8Json)
    {
        var states = new List<StateVector>();
        long time = Parse(utf8Json, states);
        return new StatesSnapshot(time, states);
    }

    /// <summary>
    /// Parses one response into a caller-owned list, so a caller that parses repeatedly reuses the
    /// list's storage and allocates little beyond the icao24 and callsign strings.
    /// </summary>
    /// <param name="utf8Json">The response body as UTF-8 (a leading byte order mark is allowed).</param>
    /// <param name="into">Cleared, then filled with the states; left empty when parsing fails.</param>
    /// <returns>The snapshot time in Unix seconds.</returns>
    /// <exception cref="OpenSkyFormatException">The body is not a well-formed states response.</exception>
    public static long Parse(ReadOnlySpan<byte> utf8Json, List<StateVector> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();

        // Positions reported to the caller count from the start of the body as received.
        int offset = utf8Json.StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return ParseDocument(utf8Json[offset..], offset, into);
        }
        catch
        {
            // Never hand out a partial result.
            into.Clear();
            throw;
        }
    }

    private static long ParseDocument(ReadOnlySpan<byte> json, int offset, List<StateVector> into)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        try
        {
            Next(ref reader, offset);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error(offset, reader.TokenStartIndex, $"expected a JSON object, got {reader.TokenType}");
            }

            long? time = null;
            bool sawStates = false;
            while (true)
            {
                Next(ref reader, offset);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                if (reader.ValueTextEquals("time"u8))
                {
                    Next(ref reader, offset);
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
                    {
                        throw Error(offset, reader.TokenStartIndex, $"time: expected integer, got {Describe(ref reader)}");
                    }

                    time = value;
                }
                else if (reader.ValueTextEquals("states"u8))
                {
                    Next(ref reader, offset);
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        // A repeated "states" property would otherwise append to the first one's states.
                        into.Clear();
                        ReadStates(ref reader, offset, into);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        throw Error(offset, reader.TokenStartIndex, $"states: expected array or null, got {Describe(ref reader)}");
                    }

                    sawStates = true;
                }
                else
                {
                    // Unknown properties are OpenSky's to add; they are not ours to reject.
                    reader.Skip();
                }
            }

            if (time is null)
            {
                throw Error(offset, reader.TokenStartIndex, "missing property 'time'");
            }

            if (!sawStates)
            {
                throw Error(offset, reader.TokenStartIndex, "missing property 'states'");
            }

            // Rejects anything after the object (the reader throws on a second value).
            if (reader.Read())
            {
                throw Error(offset, reader.TokenStartIndex, $"unexpected {reader.TokenType} after the response object");
            }

            return time.Value;
        }
        catch (JsonException ex)
        {
            long position = AbsolutePosition(json, ex) ?? reader.BytesConsumed;
            throw Error(offset, position, $"invalid JSON: {ex.Message}", ex);
        }
    }

    private static void ReadStates(ref Utf8JsonReader reader, int offset, List<StateVector> into)
    {
        for (int state = 0; ; state++)
        {
            Next(ref reader, offset);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw Error(offset, reader.TokenStartIndex, $"state {state}: expected an array, got {Describe(ref reader)}");
            }

            // Filled in place: a state is ~180 bytes, and Add would copy it once more.
            int index = into.Count;
            CollectionsMarshal.SetCount(into, index + 1);
            ReadState(ref reader, offset, state, out CollectionsMarshal.AsSpan(into)[index]);
        }
    }

    // Straight-line code over the fixed field order: no per-field dispatch, no boxing.
    private static void ReadState(ref Utf8JsonReader reader, int offset, int state, out StateVector result)
    {
        NextField(ref reader, offset, state, 0);
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Unexpected(ref reader, offset, state, 0, "string");
        }

        string icao24 = reader.ValueIsEscaped ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);

        string? callsign = ReadCallsign(ref reader, offset, state);
        string? originCountry = ReadCachedString(ref reader, offset, state, 2, Countries);
        long? timePosition = ReadNullableInt64(ref reader, offset, state, 3);
        long? lastContact = ReadNullableInt64(ref reader, offset, state, 4);
        double? longitude = ReadNullableDouble(ref reader, offset, state, 5);
        double? latitude = ReadNullableDouble(ref reader, offset, state, 6);
        double? baroAltitude = ReadNullableDouble(ref reader, offset, state, 7);
        bool onGround = ReadBoolean(ref reader, offset, state, 8);
        double? velocity = ReadNullableDouble(ref reader, offset, state, 9);
        double? trueTrack = ReadNullableDouble(ref reader, offset, state, 10);
        double? verticalRate = ReadNullableDouble(ref reader, offset, state, 11);
        SkipSensors(ref reader, offset, state);
        double? geoAltitude = ReadNullableDouble(ref reader, offset, state, 13);
        string? squawk = ReadCachedString(ref reader, offset, state, 14, Squawks);
        bool spi = ReadBoolean(ref reader, offset, state, 15);
        int positionSource = ReadInt32(ref reader, offset, state, 16);

        int? category = null;
        Next(ref reader, offset);
        if (reader.TokenType != JsonTokenType.EndArray)
        {
            category = ReadNullableInt32Current(ref reader, offset, state, 17);

            // Fields beyond the 18th are ignored: OpenSky added category without notice once, and a
            // further addition should not stop the pipeline.
            while (true)
            {
                Next(ref reader, offset);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                reader.Skip();
            }
        }

        result = new StateVector(
            icao24, callsign, originCountry, timePosition, lastContact, longitude, latitude, baroAltitude,
            onGround, velocity, trueTrack, verticalRate, geoAltitude, squawk, spi, positionSource, category);
    }

    private static string? ReadCallsign(ref Utf8JsonReader reader, int offset, int state)
    {
        NextField(ref reader, offset, state, 1);
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (reader.ValueIsEscaped)
                {
                    string unescaped = reader.GetString()!.Trim();
                    return unescaped.Length == 0 ? null : unescaped;
                }

                // Callsigns come right-padded to 8 characters; inner spaces ("BRV 4") are part of it.
                ReadOnlySpan<byte> raw = reader.ValueSpan;
                ReadOnlySpan<byte> trimmed = raw[System.Text.Ascii.Trim(raw)];
                return trimmed.IsEmpty ? null : Encoding.UTF8.GetString(trimmed);
            case JsonTokenType.Null:
                return null;
            default:
                throw Unexpected(ref reader, offset, state, 1, "string or null");
        }
    }

    private static string? ReadCachedString(ref Utf8JsonReader reader, int offset, int state, int field, Utf8StringCache cache)
    {
        NextField(ref reader, offset, state, field);
        return reader.TokenType switch
        {
            JsonTokenType.String => cache.GetOrAdd(ref reader),
            JsonTokenType.Null => null,
            _ => throw Unexpected(ref reader, offset, state, field, "string or null"),
        };
    }

    private static long? ReadNullableInt64(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        NextField(ref reader, offset, state, field);
        if (reader.TokenType == JsonTokenType.Number
            && (TryParseInt64Fast(reader.ValueSpan, out long value) || reader.TryGetInt64(out value)))
        {
            return value;
        }

        return reader.TokenType == JsonTokenType.Null
            ? null
            : throw Unexpected(ref reader, offset, state, field, "integer or null");
    }

    private static double? ReadNullableDouble(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        NextField(ref reader, offset, state, field);

        // TryGetDouble reads integer tokens too: whole numbers arrive as "12192", not "12192.0".
        if (reader.TokenType == JsonTokenType.Number
            && (TryParseDoubleFast(reader.ValueSpan, out double value) || reader.TryGetDouble(out value)))
        {
            return value;
        }

        return reader.TokenType == JsonTokenType.Null
            ? null
            : throw Unexpected(ref reader, offset, state, field, "number or null");
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        NextField(ref reader, offset, state, field);
        return reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw Unexpected(ref reader, offset, state, field, "true or false"),
        };
    }

    private static int ReadInt32(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        NextField(ref reader, offset, state, field);
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value)
            ? value
            : throw Unexpected(ref reader, offset, state, field, "integer");
    }

    private static int? ReadNullableInt32Current(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value))
        {
            return value;
        }

        return reader.TokenType == JsonTokenType.Null
            ? null
            : throw Unexpected(ref reader, offset, state, field, "integer or null");
    }

    private static void SkipSensors(ref Utf8JsonReader reader, int offset, int state)
    {
        NextField(ref reader, offset, state, 12);
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // The receivers that saw the aircraft: not used downstream, so skipped without reading.
            reader.Skip();
        }
        else if (reader.TokenType != JsonTokenType.Null)
        {
            throw Unexpected(ref reader, offset, state, 12, "array or null");
        }
    }

    // Exact powers of ten up to 10^22 are the ones a double holds without rounding.
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];

    /// <summary>
    /// Parses the plain decimals OpenSky sends (<c>-118.1803</c>, <c>396.24</c>, <c>381</c>) about twice as
    /// fast as the general parser, with the same result: at most 15 significant digits fit a double's
    /// mantissa exactly, as does 10^k for k &lt;= 15, and one IEEE division rounds correctly (Clinger's fast path).
    /// Anything else (exponents, longer numbers) returns false for the general parser to handle.
    /// </summary>
    private static bool TryParseDoubleFast(ReadOnlySpan<byte> number, out double value)
    {
        int i = 0;
        bool negative = number.Length > 0 && number[0] == (byte)'-';
        if (negative)
        {
            i = 1;
        }

        ulong mantissa = 0;
        int digits = 0;
        int fractionDigits = -1;
        for (; i < number.Length; i++)
        {
            uint digit = (uint)(number[i] - '0');
            if (digit <= 9)
            {
                mantissa = (mantissa * 10) + digit;
                digits++;
                if (fractionDigits >= 0)
                {
                    fractionDigits++;
                }
            }
            else if (number[i] == (byte)'.' && fractionDigits < 0)
            {
                fractionDigits = 0;
            }
            else
            {
                value = 0;
                return false;
            }
        }

        if (digits is 0 or > 15)
        {
            value = 0;
            return false;
        }

        double result = mantissa;
        if (fractionDigits > 0)
        {
            result /= PowersOfTen[fractionDigits];
        }

        value = negative ? -result : result;
        return true;
    }

    // Unix times are 10 digits; 18 digits always fit a long, longer numbers go to the general parser.
    private static bool TryParseInt64Fast(ReadOnlySpan<byte> number, out long value)
    {
        bool negative = number.Length > 0 && number[0] == (byte)'-';
        ReadOnlySpan<byte> digits = negative ? number[1..] : number;
        if (digits.IsEmpty || digits.Length > 18)
        {
            value = 0;
            return false;
        }

        long result = 0;
        foreach (byte b in digits)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                value = 0;
                return false;
            }

            result = (result * 10) + digit;
        }

        value = negative ? -result : result;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Next(ref Utf8JsonReader reader, int offset)
    {
        // With isFinalBlock the reader throws on truncated input; false means the bytes simply ended.
        if (!reader.Read())
        {
            throw Error(offset, reader.BytesConsumed, "unexpected end of data");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NextField(ref Utf8JsonReader reader, int offset, int state, int field)
    {
        Next(ref reader, offset);
        if (reader.TokenType == JsonTokenType.EndArray)
        {
            throw Error(
                offset,
                reader.TokenStartIndex,
                $"state {state}: expected {RequiredFieldCount} or {RequiredFieldCount + 1} fields, got {field}");
        }
    }

    private static OpenSkyFormatException Unexpected(ref Utf8JsonReader reader, int offset, int state, int field, string expected)
        => Error(
            offset,
            reader.TokenStartIndex,
            $"state {state} field {field} ({FieldNames[field]}): expected {expected}, got {Describe(ref reader)}");

    // A number that fails to convert is named as such: "got Number" alone would read as a contradiction.
    private static string Describe(ref Utf8JsonReader reader)
        => reader.TokenType == JsonTokenType.Number
            ? $"Number {Encoding.UTF8.GetString(reader.ValueSpan)}"
            : reader.TokenType.ToString();

    private static OpenSkyFormatException Error(int offset, long position, string reason, Exception? inner = null)
    {
        long absolute = position + offset;
        return new OpenSkyFormatException($"Malformed OpenSky states response: {reason} at byte {absolute}", absolute, inner);
    }

    // JsonException reports line and byte-in-line; callers want one offset into the body.
    private static long? AbsolutePosition(ReadOnlySpan<byte> json, JsonException ex)
    {
        if (ex.LineNumber is not long line || ex.BytePositionInLine is not long inLine)
        {
            return null;
        }

        int lineStart = 0;
        for (long i = 0; i < line; i++)
        {
            int newline = json[lineStart..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return null;
            }

            lineStart += newline + 1;
        }

        return lineStart + inLine;
    }
}
