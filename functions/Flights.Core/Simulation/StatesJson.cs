using System.Text.Json;
using Flights.Core.OpenSky;

namespace Flights.Core.Simulation;

/// <summary>
/// Writes a snapshot as OpenSky's <c>/api/states/all</c> answer: <c>{"time": t, "states": [[...], ...]}</c>,
/// state vectors as arrays by index, callsigns right-padded to 8 characters, missing values as null,
/// <c>sensors</c> null, and the category (index 17) only when asked for (<c>extended=1</c>).
/// </summary>
public static class StatesJson
{
    /// <summary>Writes <paramref name="snapshot"/> to <paramref name="output"/>.</summary>
    public static void Write(StatesSnapshot snapshot, Stream output, bool extended = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteNumber("time", snapshot.Time);
        writer.WriteStartArray("states");
        foreach (var s in snapshot.States)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(s.Icao24);
            if (s.Callsign is null) { writer.WriteNullValue(); } else { writer.WriteStringValue(s.Callsign.PadRight(8)); }
            WriteString(writer, s.OriginCountry);
            WriteNumber(writer, s.TimePosition);
            WriteNumber(writer, s.LastContact);
            WriteNumber(writer, s.Longitude);
            WriteNumber(writer, s.Latitude);
            WriteNumber(writer, s.BaroAltitude);
            writer.WriteBooleanValue(s.OnGround);
            WriteNumber(writer, s.Velocity);
            WriteNumber(writer, s.TrueTrack);
            WriteNumber(writer, s.VerticalRate);
            writer.WriteNullValue(); // sensors: only filled for a feeder's own receivers
            WriteNumber(writer, s.GeoAltitude);
            WriteString(writer, s.Squawk);
            writer.WriteBooleanValue(s.Spi);
            writer.WriteNumberValue(s.PositionSource);
            if (extended)
            {
                WriteNumber(writer, s.Category);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The snapshot as UTF-8 JSON bytes.</summary>
    public static byte[] ToBytes(StatesSnapshot snapshot, bool extended = false)
    {
        using var buffer = new MemoryStream();
        Write(snapshot, buffer, extended);
        return buffer.ToArray();
    }

    private static void WriteString(Utf8JsonWriter writer, string? value)
    {
        if (value is null) { writer.WriteNullValue(); } else { writer.WriteStringValue(value); }
    }

    private static void WriteNumber(Utf8JsonWriter writer, long? value)
    {
        if (value is { } v) { writer.WriteNumberValue(v); } else { writer.WriteNullValue(); }
    }

    private static void WriteNumber(Utf8JsonWriter writer, int? value)
    {
        if (value is { } v) { writer.WriteNumberValue(v); } else { writer.WriteNullValue(); }
    }

    private static void WriteNumber(Utf8JsonWriter writer, double? value)
    {
        if (value is { } v) { writer.WriteNumberValue(v); } else { writer.WriteNullValue(); }
    }
}
