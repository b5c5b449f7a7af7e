using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

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
    /// Finds the string cached for these raw bytes (a string token's bytes between the quotes, escapes as
    /// sent, so an escaped value maps to its unescaped string just as well).
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out string? value)
    {
        Entry? entry = utf8.Length <= MaxKeyLength ? _slots[Slot(utf8)] : null;
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Caches <paramref name="value"/>, the decoded string of <paramref name="utf8"/>, and returns it.</summary>
    public string Add(ReadOnlySpan<byte> utf8, string value)
    {
        if (utf8.Length <= MaxKeyLength)
        {
            _slots[Slot(utf8)] = new Entry(utf8.ToArray(), value);
        }

        return value;
    }

    private int Slot(ReadOnlySpan<byte> utf8) => (int)(Hash(utf8) & (uint)_mask);

    // Keys are a few to a few dozen bytes and parsed twice per state: the first and last 8 bytes (overlapping
    // for short keys) and the length tell the ~200 countries and 4,096 squawks apart well enough, in a few
    // instructions instead of a loop per byte. A poor spread would only cost a re-allocation, never a wrong value.
    private static uint Hash(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length < sizeof(ulong))
        {
            uint small = (uint)utf8.Length;
            foreach (byte b in utf8)
            {
                small = (small * 31) + b;
            }

            // The slot takes the low bits, so the product's well-mixed high bits are folded down.
            uint mixedSmall = small * 2654435769u;
            return mixedSmall ^ (mixedSmall >> 16);
        }

        ulong head = BinaryPrimitives.ReadUInt64LittleEndian(utf8);
        ulong tail = BinaryPrimitives.ReadUInt64LittleEndian(utf8[^sizeof(ulong)..]);
        ulong mixed = ((head * 0x9E3779B97F4A7C15) ^ tail ^ (ulong)utf8.Length) * 0xC2B2AE3D27D4EB4F;
        return (uint)(mixed >> 32);
    }

    private sealed class Entry(byte[] utf8, string value)
    {
        public byte[] Utf8 { get; } = utf8;

        public string Value { get; } = value;
    }
}
