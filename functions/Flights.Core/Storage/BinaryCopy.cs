using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Flights.Core.Storage;

/// <summary>
/// Rows in PostgreSQL's binary COPY format, encoded here and sent through Npgsql's raw COPY stream. The smart
/// write copies every aircraft's live row (29 columns) and every new flight and route point in each batch;
/// Npgsql's typed importer resolves a converter for every value, which took 55-130 ms per 12,000 live rows
/// (300 ms in a process's first batch), several times the server's own share of the COPY. The columns the
/// writer copies are only bigint, int, smallint, bool, float8, timestamptz, text and jsonb, each a few bytes
/// written here. Bulk loads off the write path (airports, the aircraft database) keep Npgsql's importer.
/// </summary>
/// <remarks>
/// Format (PostgreSQL manual, COPY, "Binary Format"): a signature, flags and header extension length; per row
/// the column count (int16) and per column its length (int32, -1 for null) and bytes, all big-endian; a -1
/// (int16) ends the data. timestamptz is microseconds since 2000-01-01 UTC; jsonb is a version byte (1) and
/// the JSON text.
/// </remarks>
internal sealed class BinaryCopy : IAsyncDisposable
{
    // The signature "PGCOPY\n\xff\r\n\0", then the flags and the header extension length (both 0).
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    // Unix seconds of 2000-01-01T00:00:00Z, PostgreSQL's epoch.
    private const long PostgresEpochUnixSeconds = 946_684_800;

    // Sent whenever this much is buffered, so the server parses while the rows are being encoded.
    private const int FlushThreshold = 64 * 1024;

    private readonly NpgsqlRawCopyStream stream;
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(FlushThreshold * 2);
    private int length;
    private bool completed;

    private BinaryCopy(NpgsqlRawCopyStream stream)
    {
        this.stream = stream;
        Header.CopyTo(buffer);
        length = Header.Length;
    }

    /// <summary>Starts <paramref name="copyCommand"/> (<c>copy … from stdin (format binary)</c>) on the connection.</summary>
    public static async Task<BinaryCopy> BeginAsync(NpgsqlConnection connection, string copyCommand, CancellationToken cancellationToken) =>
        new(await connection.BeginRawBinaryCopyAsync(copyCommand, cancellationToken));

    /// <summary>Starts a row of <paramref name="columns"/> values.</summary>
    public void StartRow(short columns)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), columns);
    }

    public void Null() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    public void Bigint(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    public void Integer(int value)
    {
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    public void Smallint(short value)
    {
        var span = Reserve(6);
        BinaryPrimitives.WriteInt32BigEndian(span, 2);
        BinaryPrimitives.WriteInt16BigEndian(span[4..], value);
    }

    public void Boolean(bool value)
    {
        var span = Reserve(5);
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        span[4] = value ? (byte)1 : (byte)0;
    }

    public void Double(double value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteDoubleBigEndian(span[4..], value);
    }

    public void Double(double? value)
    {
        if (value is { } v)
        {
            Double(v);
        }
        else
        {
            Null();
        }
    }

    /// <summary>A timestamptz from Unix seconds.</summary>
    public void Timestamp(long unixSeconds)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], (unixSeconds - PostgresEpochUnixSeconds) * 1_000_000);
    }

    public void Timestamp(long? unixSeconds)
    {
        if (unixSeconds is { } v)
        {
            Timestamp(v);
        }
        else
        {
            Null();
        }
    }

    public void Text(string? value) => Utf8(value, jsonbVersion: false);

    public void Jsonb(string? json) => Utf8(json, jsonbVersion: true);

    // A text value's bytes are its UTF-8; a jsonb value's are a version byte (1) and then the same.
    private void Utf8(string? value, bool jsonbVersion)
    {
        if (value is null)
        {
            Null();
            return;
        }

        var prefix = jsonbVersion ? 1 : 0;
        var span = Reserve(4 + prefix + Encoding.UTF8.GetMaxByteCount(value.Length));
        if (jsonbVersion)
        {
            span[4] = 1;
        }

        var written = Encoding.UTF8.GetBytes(value, span[(4 + prefix)..]);
        BinaryPrimitives.WriteInt32BigEndian(span, prefix + written);
        length -= span.Length - 4 - prefix - written;
    }

    /// <summary>Sends what is buffered once it is large enough; call between rows.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken) =>
        length >= FlushThreshold ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Ends the data and waits for the server to accept the COPY.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);
        await FlushAsync(cancellationToken);
        completed = true;
        // Disposing a raw COPY stream ends the COPY and reads the server's answer (an error surfaces here).
        await stream.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!completed)
        {
            // Left before CompleteAsync (an exception while encoding): the server discards the rows.
            completed = true;
            await stream.CancelAsync();
            await stream.DisposeAsync();
        }

        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        length = 0;
    }

    // Room for `size` bytes at the end of the buffer, counted as written (Text and Jsonb give back what they did not use).
    private Span<byte> Reserve(int size)
    {
        if (length + size > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + size));
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }

        var span = buffer.AsSpan(length, size);
        length += size;
        return span;
    }
}
