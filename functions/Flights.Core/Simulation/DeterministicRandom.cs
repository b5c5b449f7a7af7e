namespace Flights.Core.Simulation;

/// <summary>
/// SplitMix64: a small, fast generator whose sequence is fixed by its seed on every platform and .NET
/// version (System.Random's seeded sequence is an implementation detail), plus stateless hashing for
/// per-state choices, so a state's fate does not depend on the order in which states are produced.
/// </summary>
internal sealed class DeterministicRandom(ulong seed)
{
    private ulong state = seed;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) fixed by the three keys.</summary>
    public static double Hash(ulong a, ulong b, ulong c) => (Mix(Mix(Mix(a) ^ b) ^ c) >> 11) * (1.0 / (1UL << 53));

    public ulong NextULong()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Between(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, count).</summary>
    public int Next(int count) => (int)(NextDouble() * count);

    public bool Chance(double probability) => NextDouble() < probability;
}
