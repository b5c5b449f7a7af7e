using Npgsql;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>
/// Typed reads of nullable columns by ordinal, for readers that look their ordinals up by column name once per
/// result (<see cref="NpgsqlDataReader.GetOrdinal"/>): a query's column order can change without breaking them.
/// </summary>
internal static class RowReaders
{
    internal static long Time(NpgsqlDataReader reader, int ordinal) => ToUnix(reader.GetFieldValue<DateTime>(ordinal));

    internal static long? NullableTime(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ToUnix(reader.GetFieldValue<DateTime>(ordinal));

    internal static double? NullableDouble(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    internal static int? NullableInt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    internal static bool? NullableBool(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetBoolean(ordinal);

    internal static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
