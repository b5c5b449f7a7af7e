namespace Flights.Core.Kafka;

/// <summary>
/// The partition of a message key, computed as librdkafka's default partitioner (<c>consistent_random</c>)
/// does for a keyed message: CRC-32 (IEEE) of the key modulo the partition count. The state publisher picks
/// partitions itself so that a snapshot's states and its markers are addressed from one partition count;
/// using librdkafka's own hash keeps every aircraft on the partition it was on before.
/// </summary>
public static class KeyPartitioner
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The partition, in [0, <paramref name="partitions"/>), for <paramref name="key"/>.</summary>
    public static int PartitionOf(ReadOnlySpan<byte> key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var crc = 0xFFFFFFFFu;
        foreach (var b in key)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return (int)((crc ^ 0xFFFFFFFFu) % (uint)partitions);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
