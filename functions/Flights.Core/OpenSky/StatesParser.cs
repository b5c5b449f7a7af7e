using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        var json = new StatesScanner(utf8Json, start: utf8Json.StartsWith("\uFEFF"u8) ? 3 : 0);
        try
        {
            return ParseDocument(ref json, into);
        }
        catch
        {
            // Never hand out a partial result.
            into.Clear();
            throw;
        }
    }

    private static long ParseDocument(ref StatesScanner json, List<StateVector> into)
    {
        if (json.Peek() != (byte)'{')
        {
            throw StatesScanner.Error(json.TokenStart, $"expected a JSON object, got {json.DescribeToken()}");
        }

        json.TryConsume((byte)'{');
        long? time = null;
        bool sawStates = false;
        if (!json.TryConsume((byte)'}'))
        {
            do
            {
                JsonStringToken name = json.ReadPropertyName();
                if (json.NameEquals(name, "time"u8))
                {
                    time = ReadTime(ref json);
                }
                else if (json.NameEquals(name, "states"u8))
                {
                    ReadStatesProperty(ref json, into);
                    sawStates = true;
                }
                else
                {
                    // Unknown properties are OpenSky's to add; they are not ours to reject.
                    json.SkipValue(depth: 1);
                }
            }
            while (json.NextInObject());
        }

        // Reported at the closing brace, the token where the absence became certain.
        if (time is null)
        {
            throw StatesScanner.Error(json.TokenStart, "missing property 'time'");
        }

        if (!sawStates)
        {
            throw StatesScanner.Error(json.TokenStart, "missing property 'states'");
        }

        json.ExpectEnd();
        return time.Value;
    }

    private static long ReadTime(ref StatesScanner json)
    {
        if (StatesScanner.IsNumberStart(json.Peek()) && json.TryReadInt64(out long time))
        {
            return time;
        }

        throw StatesScanner.Error(json.TokenStart, $"time: expected integer, got {json.DescribeToken()}");
    }

    private static void ReadStatesProperty(ref StatesScanner json, List<StateVector> into)
    {
        switch (json.Peek())
        {
            case (byte)'[':
                // A repeated "states" property would otherwise append to the first one's states.
                into.Clear();
                ReadStates(ref json, into);
                break;
            case (byte)'n':
                json.ReadLiteral("null"u8);
                break;
            default:
                throw StatesScanner.Error(json.TokenStart, $"states: expected array or null, got {json.DescribeToken()}");
        }
    }

    private static void ReadStates(ref StatesScanner json, List<StateVector> into)
    {
        json.TryConsume((byte)'[');
        if (json.TryConsume((byte)']'))
        {
            return;
        }

        for (int state = 0; ; state++)
        {
            if (json.Peek() != (byte)'[')
            {
                throw StatesScanner.Error(json.TokenStart, $"state {state}: expected an array, got {json.DescribeToken()}");
            }

            // Filled in place: a state is ~180 bytes, and Add would copy it once more.
            int index = into.Count;
            CollectionsMarshal.SetCount(into, index + 1);
            ReadState(ref json, state, out CollectionsMarshal.AsSpan(into)[index]);

            if (!json.NextInArray())
            {
                return;
            }
        }
    }

    // Straight-line code over the fixed field order: no per-field dispatch, no boxing.
    private static void ReadState(ref StatesScanner json, int state, out StateVector result)
    {
        json.TryConsume((byte)'[');
        string icao24 = ReadIcao24(ref json, state);
        string? callsign = ReadCallsign(ref json, state);
        string? originCountry = ReadCachedString(ref json, state, 2, Countries);
        long? timePosition = ReadNullableInt64(ref json, state, 3);
        long? lastContact = ReadNullableInt64(ref json, state, 4);
        double? longitude = ReadNullableDouble(ref json, state, 5);
        double? latitude = ReadNullableDouble(ref json, state, 6);
        double? baroAltitude = ReadNullableDouble(ref json, state, 7);
        bool onGround = ReadBoolean(ref json, state, 8);
        double? velocity = ReadNullableDouble(ref json, state, 9);
        double? trueTrack = ReadNullableDouble(ref json, state, 10);
        double? verticalRate = ReadNullableDouble(ref json, state, 11);
        SkipSensors(ref json, state);
        double? geoAltitude = ReadNullableDouble(ref json, state, 13);
        string? squawk = ReadCachedString(ref json, state, 14, Squawks);
        bool spi = ReadBoolean(ref json, state, 15);
        int positionSource = ReadInt32(ref json, state, 16);

        int? category = null;
        if (json.NextInArray())
        {
            category = ReadNullableInt32(ref json, state, 17);

            // Fields beyond the 18th are ignored: OpenSky added category without notice once, and a
            // further addition should not stop the pipeline.
            while (json.NextInArray())
            {
                json.SkipValue(depth: 3);
            }
        }

        result = new StateVector(
            icao24, callsign, originCountry, timePosition, lastContact, longitude, latitude, baroAltitude,
            onGround, velocity, trueTrack, verticalRate, geoAltitude, squawk, spi, positionSource, category);
    }

    private static string ReadIcao24(ref StatesScanner json, int state)
    {
        // The first field directly follows '[', so only an empty state ends here.
        if (json.TryConsume((byte)']'))
        {
            throw FewerFields(ref json, state, 0);
        }

        return json.Peek() == (byte)'"'
            ? json.Decode(json.ReadString())
            : throw Unexpected(ref json, state, 0, "string");
    }

    private static string? ReadCallsign(ref StatesScanner json, int state)
    {
        switch (NextField(ref json, state, 1))
        {
            case (byte)'"':
                JsonStringToken token = json.ReadString();
                if (token.IsEscaped)
                {
                    string unescaped = json.Decode(token).Trim();
                    return unescaped.Length == 0 ? null : unescaped;
                }

                // Callsigns come right-padded to 8 characters; inner spaces ("BRV 4") are part of it.
                ReadOnlySpan<byte> raw = json.Raw(token);
                ReadOnlySpan<byte> trimmed = raw[System.Text.Ascii.Trim(raw)];
                return trimmed.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(trimmed);
            case (byte)'n':
                json.ReadLiteral("null"u8);
                return null;
            default:
                throw Unexpected(ref json, state, 1, "string or null");
        }
    }

    private static string? ReadCachedString(ref StatesScanner json, int state, int field, Utf8StringCache cache)
    {
        switch (NextField(ref json, state, field))
        {
            case (byte)'"':
                JsonStringToken token = json.ReadString();
                ReadOnlySpan<byte> raw = json.Raw(token);
                return cache.TryGet(raw, out string? value) ? value : cache.Add(raw, json.Decode(token));
            case (byte)'n':
                json.ReadLiteral("null"u8);
                return null;
            default:
                throw Unexpected(ref json, state, field, "string or null");
        }
    }

    private static long? ReadNullableInt64(ref StatesScanner json, int state, int field)
    {
        byte next = NextField(ref json, state, field);
        if (StatesScanner.IsNumberStart(next) && json.TryReadInt64(out long value))
        {
            return value;
        }

        return ReadNullOrThrow<long>(ref json, next, state, field, "integer or null");
    }

    private static double? ReadNullableDouble(ref StatesScanner json, int state, int field)
    {
        // Integer tokens are doubles too: whole numbers arrive as "12192", not "12192.0".
        byte next = NextField(ref json, state, field);
        if (StatesScanner.IsNumberStart(next) && json.TryReadDouble(out double value))
        {
            return value;
        }

        return ReadNullOrThrow<double>(ref json, next, state, field, "number or null");
    }

    private static bool ReadBoolean(ref StatesScanner json, int state, int field)
    {
        switch (NextField(ref json, state, field))
        {
            case (byte)'t':
                json.ReadLiteral("true"u8);
                return true;
            case (byte)'f':
                json.ReadLiteral("false"u8);
                return false;
            default:
                throw Unexpected(ref json, state, field, "true or false");
        }
    }

    private static int ReadInt32(ref StatesScanner json, int state, int field)
    {
        byte next = NextField(ref json, state, field);
        return StatesScanner.IsNumberStart(next) && json.TryReadInt32(out int value)
            ? value
            : throw Unexpected(ref json, state, field, "integer");
    }

    // The category, read after NextInArray has consumed its ','.
    private static int? ReadNullableInt32(ref StatesScanner json, int state, int field)
    {
        byte next = json.Peek();
        if (StatesScanner.IsNumberStart(next) && json.TryReadInt32(out int value))
        {
            return value;
        }

        return ReadNullOrThrow<int>(ref json, next, state, field, "integer or null");
    }

    private static void SkipSensors(ref StatesScanner json, int state)
    {
        switch (NextField(ref json, state, 12))
        {
            case (byte)'[':
                // The receivers that saw the aircraft: not used downstream, so skipped without reading.
                json.SkipValue(depth: 3);
                break;
            case (byte)'n':
                json.ReadLiteral("null"u8);
                break;
            default:
                throw Unexpected(ref json, state, 12, "array or null");
        }
    }

    // Shared tail of the nullable readers: null is fine, anything else (or a number that did not convert) is not.
    private static T? ReadNullOrThrow<T>(ref StatesScanner json, byte next, int state, int field, string expected)
        where T : struct
    {
        if (next != (byte)'n')
        {
            throw Unexpected(ref json, state, field, expected);
        }

        json.ReadLiteral("null"u8);
        return null;
    }

    // Moves past the ',' before field 1..16 and returns the field's first byte; a ']' there means too few fields.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte NextField(ref StatesScanner json, int state, int field)
    {
        if (!json.NextInArray())
        {
            throw FewerFields(ref json, state, field);
        }

        return json.Peek();
    }

    private static OpenSkyFormatException FewerFields(ref StatesScanner json, int state, int field)
        => StatesScanner.Error(
            json.TokenStart,
            $"state {state}: expected {RequiredFieldCount} or {RequiredFieldCount + 1} fields, got {field}");

    private static OpenSkyFormatException Unexpected(ref StatesScanner json, int state, int field, string expected)
    {
        int position = json.TokenStart;
        return StatesScanner.Error(
            position,
            $"state {state} field {field} ({FieldNames[field]}): expected {expected}, got {json.DescribeToken()}");
    }
}
