using System.Text;
using System.Text.Json;

namespace Flights.Core.OpenSky;

/// <summary>
/// A small direct-mapped cache from raw UTF-8 bytes to strings, so values that repeat across states
/// (origin country, squawk) are allocated once per process instead of once per state.
/// </summary>
/// <remarks>
/// Thread safety without locks: an entry is immutable and a slot holds a reference, so a reader sees
/// either the old entry or the new one, both valid. A collision just replaces the slot (bounded memory;
/// at worst a string is allocated again).
/// </remarks>
internal sealed class Utf8StringCache
{
    // Longer values are rare (no country name or squawk comes near) and not worth pinning in memory.
    private const int MaxKeyLength = 64;

    private readonly Entry?[] _slots;
    private readonly int _mask;

    public Utf8StringCache(int slotCountPowerOfTwo)
    {
        if (slotCountPowerOfTwo <= 0 || (slotCountPowerOfTwo & (slotCountPowerOfTwo - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotCountPowerOfTwo), slotCountPowerOfTwo, "Must be a power of two.");
        }

        _slots = new Entry?[slotCountPowerOfTwo];
        _mask = slotCountPowerOfTwo - 1;
    }

    /// <summary>
    /// Returns the string value of the reader's current string token, from the cache when the same
    /// bytes were seen before. The key is the token's raw bytes, so an escaped value maps to its
    /// unescaped string just as well.
    /// </summary>
    public string GetOrAdd(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> utf8 = reader.ValueSpan;
        if (utf8.Length > MaxKeyLength)
        {
            return reader.GetString()!;
        }

        int slot = (int)(Hash(utf8) & (uint)_mask);
        Entry? entry = _slots[slot];
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        string value = reader.ValueIsEscaped ? reader.GetString()! : Encoding.UTF8.GetString(utf8);
        var added = new Entry(utf8.ToArray(), value);
        _slots[slot] = added;
        return added.Value;
    }

    // FNV-1a: the keys are a handful of bytes, where a simple loop beats the vectorized hashers' setup.
    private static uint Hash(ReadOnlySpan<byte> utf8)
    {
        uint hash = 2166136261;
        foreach (byte b in utf8)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private sealed class Entry(byte[] utf8, string value)
    {
        public byte[] Utf8 { get; } = utf8;

        public string Value { get; } = value;
    }
}
