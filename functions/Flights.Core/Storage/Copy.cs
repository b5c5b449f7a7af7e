using Npgsql;
using NpgsqlTypes;

namespace Flights.Core.Storage;

/// <summary>Nullable values for binary COPY rows (Npgsql's importer writes a null only on request).</summary>
internal static class Copy
{
    internal static void Value<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            copy.Write(v, type);
        }
        else
        {
            copy.WriteNull();
        }
    }

    internal static void Text(NpgsqlBinaryImporter copy, string? value) => Reference(copy, value, NpgsqlDbType.Text);

    internal static void Json(NpgsqlBinaryImporter copy, string? value) => Reference(copy, value, NpgsqlDbType.Jsonb);

    private static void Reference(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }
}
