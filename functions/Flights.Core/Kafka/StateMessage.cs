using System.Buffers;
using System.Text.Json;
using Flights.Core.OpenSky;

namespace Flights.Core.Kafka;

/// <summary>A state as carried on <c>flight_raw_data</c>: the state vector and the snapshot it came from.</summary>
/// <param name="SnapshotTime">The <c>time</c> of the OpenSky response (Unix seconds).</param>
/// <param name="State">The state vector as OpenSky sent it.</param>
public readonly record struct StateEnvelope(long SnapshotTime, StateVector State);

/// <summary>
/// A snapshot marker: the control message the publisher sends to every partition of the topic after a
/// snapshot's states. Having processed it, a partition holds no more states of that snapshot or an earlier one.
/// </summary>
/// <param name="SnapshotTime">The <c>time</c> of the snapshot whose states precede the marker (Unix seconds).</param>
/// <param name="Partitions">How many partitions the publisher sent this snapshot's markers to (the topic's partition count).</param>
public readonly record struct SnapshotMarker(long SnapshotTime, int Partitions);

/// <summary>What a message value on <c>flight_raw_data</c> is.</summary>
public enum MessageKind
{
    /// <summary>Not a valid document of the contract: it belongs on the dead-letter topic.</summary>
    Invalid,

    /// <summary>A state vector (<see cref="StateEnvelope"/>).</summary>
    State,

    /// <summary>A snapshot marker (<see cref="SnapshotMarker"/>): a control message, never dead-lettered.</summary>
    Marker,

    /// <summary>A control message of a kind this build does not know (written by a newer publisher): skipped, never dead-lettered.</summary>
    UnknownControl,
}

/// <summary>
/// The message contract of <c>flight_raw_data</c> (documented in docs/message-contract.md): key = icao24
/// (UTF-8), value = a compact JSON object <c>{"v":1,"snapshot_time":...,"icao24":...,...}</c> using the
/// OpenSky field names; null fields are omitted. Control messages carry a <c>marker</c> field instead of
/// <c>icao24</c>: <c>{"v":1,"marker":"snapshot","snapshot_time":...,"partitions":...}</c>, no key.
/// </summary>
public static class StateMessage
{
    /// <summary>The contract version this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The <c>marker</c> value of a snapshot marker.</summary>
    public const string SnapshotMarkerKind = "snapshot";

    private static readonly JsonEncodedText V = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText MarkerName = JsonEncodedText.Encode("marker");
    private static readonly JsonEncodedText PartitionsName = JsonEncodedText.Encode("partitions");
    private static readonly JsonEncodedText SnapshotTimeName = JsonEncodedText.Encode("snapshot_time");
    private static readonly JsonEncodedText Icao24Name = JsonEncodedText.Encode("icao24");
    private static readonly JsonEncodedText CallsignName = JsonEncodedText.Encode("callsign");
    private static readonly JsonEncodedText OriginCountryName = JsonEncodedText.Encode("origin_country");
    private static readonly JsonEncodedText TimePositionName = JsonEncodedText.Encode("time_position");
    private static readonly JsonEncodedText LastContactName = JsonEncodedText.Encode("last_contact");
    private static readonly JsonEncodedText LongitudeName = JsonEncodedText.Encode("longitude");
    private static readonly JsonEncodedText LatitudeName = JsonEncodedText.Encode("latitude");
    private static readonly JsonEncodedText BaroAltitudeName = JsonEncodedText.Encode("baro_altitude");
    private static readonly JsonEncodedText OnGroundName = JsonEncodedText.Encode("on_ground");
    private static readonly JsonEncodedText VelocityName = JsonEncodedText.Encode("velocity");
    private static readonly JsonEncodedText TrueTrackName = JsonEncodedText.Encode("true_track");
    private static readonly JsonEncodedText VerticalRateName = JsonEncodedText.Encode("vertical_rate");
    private static readonly JsonEncodedText GeoAltitudeName = JsonEncodedText.Encode("geo_altitude");
    private static readonly JsonEncodedText SquawkName = JsonEncodedText.Encode("squawk");
    private static readonly JsonEncodedText SpiName = JsonEncodedText.Encode("spi");
    private static readonly JsonEncodedText PositionSourceName = JsonEncodedText.Encode("position_source");
    private static readonly JsonEncodedText CategoryName = JsonEncodedText.Encode("category");

    /// <summary>Writes the message value for one state.</summary>
    public static void Write(Utf8JsonWriter writer, in StateVector state, long snapshotTime)
    {
        writer.WriteStartObject();
        writer.WriteNumber(V, Version);
        writer.WriteNumber(SnapshotTimeName, snapshotTime);
        writer.WriteString(Icao24Name, state.Icao24);
        WriteIfNotNull(writer, CallsignName, state.Callsign);
        WriteIfNotNull(writer, OriginCountryName, state.OriginCountry);
        WriteIfNotNull(writer, TimePositionName, state.TimePosition);
        WriteIfNotNull(writer, LastContactName, state.LastContact);
        WriteIfNotNull(writer, LongitudeName, state.Longitude);
        WriteIfNotNull(writer, LatitudeName, state.Latitude);
        WriteIfNotNull(writer, BaroAltitudeName, state.BaroAltitude);
        writer.WriteBoolean(OnGroundName, state.OnGround);
        WriteIfNotNull(writer, VelocityName, state.Velocity);
        WriteIfNotNull(writer, TrueTrackName, state.TrueTrack);
        WriteIfNotNull(writer, VerticalRateName, state.VerticalRate);
        WriteIfNotNull(writer, GeoAltitudeName, state.GeoAltitude);
        WriteIfNotNull(writer, SquawkName, state.Squawk);
        writer.WriteBoolean(SpiName, state.Spi);
        writer.WriteNumber(PositionSourceName, state.PositionSource);
        WriteIfNotNull(writer, CategoryName, state.Category);
        writer.WriteEndObject();
    }

    /// <summary>The message value for one state as a new array.</summary>
    public static byte[] Serialize(in StateVector state, long snapshotTime)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, state, snapshotTime);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the message value of a snapshot marker.</summary>
    public static void WriteMarker(Utf8JsonWriter writer, SnapshotMarker marker)
    {
        writer.WriteStartObject();
        writer.WriteNumber(V, Version);
        writer.WriteString(MarkerName, SnapshotMarkerKind);
        writer.WriteNumber(SnapshotTimeName, marker.SnapshotTime);
        writer.WriteNumber(PartitionsName, marker.Partitions);
        writer.WriteEndObject();
    }

    /// <summary>The message value of a snapshot marker as a new array.</summary>
    public static byte[] SerializeMarker(SnapshotMarker marker)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteMarker(writer, marker);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a message value that should be a state. Returns false with a reason when the bytes are not a valid
    /// state document (see <see cref="Read"/>); a snapshot marker is not a state either.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out StateEnvelope envelope, out string error)
    {
        var kind = Read(value, out envelope, out _, out error);
        if (kind is MessageKind.Marker or MessageKind.UnknownControl)
        {
            error = "a control message, not a state";
        }

        return kind == MessageKind.State;
    }

    /// <summary>
    /// Reads a message value: a state, a snapshot marker, or invalid with a reason (not JSON, not an object,
    /// unknown version, a field of the wrong type, icao24 or snapshot_time missing, a marker without a positive
    /// partition count): an invalid message belongs on the dead-letter topic. Field values are not judged here;
    /// that is cleaning.
    /// </summary>
    public static MessageKind Read(ReadOnlySpan<byte> value, out StateEnvelope envelope, out SnapshotMarker marker, out string error)
    {
        envelope = default;
        marker = default;
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return MessageKind.Invalid;
            }

            int? version = null;
            long? snapshotTime = null, timePosition = null, lastContact = null;
            string? icao24 = null, callsign = null, country = null, squawk = null;
            double? longitude = null, latitude = null, baro = null, velocity = null, track = null, vrate = null, geo = null;
            bool onGround = false, spi = false;
            int positionSource = 0;
            int? category = null;
            string? markerKind = null;
            int? partitions = null;

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    error = $"unexpected {reader.TokenType} at byte {reader.TokenStartIndex}";
                    return MessageKind.Invalid;
                }

                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("v"u8)) { version = ReadInt(ref reader, "v"); }
                else if (name.SequenceEqual("snapshot_time"u8)) { snapshotTime = ReadLong(ref reader, "snapshot_time"); }
                else if (name.SequenceEqual("icao24"u8)) { icao24 = ReadString(ref reader, "icao24"); }
                else if (name.SequenceEqual("callsign"u8)) { callsign = ReadString(ref reader, "callsign"); }
                else if (name.SequenceEqual("origin_country"u8)) { country = ReadString(ref reader, "origin_country"); }
                else if (name.SequenceEqual("time_position"u8)) { timePosition = ReadLong(ref reader, "time_position"); }
                else if (name.SequenceEqual("last_contact"u8)) { lastContact = ReadLong(ref reader, "last_contact"); }
                else if (name.SequenceEqual("longitude"u8)) { longitude = ReadDouble(ref reader, "longitude"); }
                else if (name.SequenceEqual("latitude"u8)) { latitude = ReadDouble(ref reader, "latitude"); }
                else if (name.SequenceEqual("baro_altitude"u8)) { baro = ReadDouble(ref reader, "baro_altitude"); }
                else if (name.SequenceEqual("on_ground"u8)) { onGround = ReadBool(ref reader, "on_ground") ?? false; }
                else if (name.SequenceEqual("velocity"u8)) { velocity = ReadDouble(ref reader, "velocity"); }
                else if (name.SequenceEqual("true_track"u8)) { track = ReadDouble(ref reader, "true_track"); }
                else if (name.SequenceEqual("vertical_rate"u8)) { vrate = ReadDouble(ref reader, "vertical_rate"); }
                else if (name.SequenceEqual("geo_altitude"u8)) { geo = ReadDouble(ref reader, "geo_altitude"); }
                else if (name.SequenceEqual("squawk"u8)) { squawk = ReadString(ref reader, "squawk"); }
                else if (name.SequenceEqual("spi"u8)) { spi = ReadBool(ref reader, "spi") ?? false; }
                else if (name.SequenceEqual("position_source"u8)) { positionSource = ReadInt(ref reader, "position_source") ?? 0; }
                else if (name.SequenceEqual("category"u8)) { category = ReadInt(ref reader, "category"); }
                else if (name.SequenceEqual("marker"u8)) { markerKind = ReadString(ref reader, "marker"); }
                else if (name.SequenceEqual("partitions"u8)) { partitions = ReadInt(ref reader, "partitions"); }
                else { reader.Skip(); } // unknown fields are ignored: a newer minor writer may add some
            }

            if (version != Version)
            {
                error = version is null ? "field v (contract version) is missing" : $"unsupported contract version {version} (this build reads {Version})";
                return MessageKind.Invalid;
            }

            if (markerKind is not null)
            {
                return ReadMarker(markerKind, snapshotTime, partitions, out marker, out error);
            }

            if (snapshotTime is null)
            {
                error = "field snapshot_time is missing";
                return MessageKind.Invalid;
            }

            if (icao24 is null)
            {
                error = "field icao24 is missing";
                return MessageKind.Invalid;
            }

            envelope = new StateEnvelope(snapshotTime.Value, new StateVector(
                icao24, callsign, country, timePosition, lastContact, longitude, latitude, baro, onGround,
                velocity, track, vrate, geo, squawk, spi, positionSource, category));
            error = "";
            return MessageKind.State;
        }
        catch (JsonException ex)
        {
            error = $"invalid JSON: {ex.Message}";
            return MessageKind.Invalid;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return MessageKind.Invalid;
        }
    }

    // A marker kind this build does not know is a newer publisher's control message: skipped, never dead-lettered,
    // so adding a kind needs no version change. A snapshot marker without its time or count is broken, not new.
    private static MessageKind ReadMarker(string kind, long? snapshotTime, int? partitions, out SnapshotMarker marker, out string error)
    {
        marker = default;
        if (kind != SnapshotMarkerKind)
        {
            error = $"control message of unknown kind {kind}";
            return MessageKind.UnknownControl;
        }

        if (snapshotTime is null)
        {
            error = "snapshot marker: field snapshot_time is missing";
            return MessageKind.Invalid;
        }

        if (partitions is not > 0)
        {
            error = partitions is null ? "snapshot marker: field partitions is missing" : $"snapshot marker: partitions must be positive, got {partitions}";
            return MessageKind.Invalid;
        }

        marker = new SnapshotMarker(snapshotTime.Value, partitions.Value);
        error = "";
        return MessageKind.Marker;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw WrongType(ref reader, field, "a string"),
    };

    private static long? ReadLong(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number when reader.TryGetInt64(out var value) => value,
        _ => throw WrongType(ref reader, field, "an integer"),
    };

    private static int? ReadInt(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number when reader.TryGetInt32(out var value) => value,
        _ => throw WrongType(ref reader, field, "an integer"),
    };

    private static double? ReadDouble(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number when reader.TryGetDouble(out var value) => value,
        _ => throw WrongType(ref reader, field, "a number"),
    };

    private static bool? ReadBool(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw WrongType(ref reader, field, "a boolean"),
    };

    private static FormatException WrongType(ref Utf8JsonReader reader, string field, string expected) =>
        new($"field {field}: expected {expected}, got {reader.TokenType} at byte {reader.TokenStartIndex}");

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, double? value)
    {
        // JSON cannot carry NaN or infinity; such a value is dropped here and the state is judged without it.
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
    }
}
