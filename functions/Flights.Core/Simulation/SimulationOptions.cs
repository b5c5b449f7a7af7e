using Flights.Core.OpenSky;

namespace Flights.Core.Simulation;

/// <summary>
/// What to simulate. The same options and seed give the same traffic, state for state; aircraft are
/// independent of each other, so more aircraft add traffic without changing the first ones.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Number of aircraft (each with its own icao24 and callsign).</summary>
    public int Aircraft { get; init; } = 100;

    /// <summary>Time of the first snapshot, Unix seconds.</summary>
    public long Start { get; init; } = 1_767_225_600; // 2026-01-01 00:00:00Z

    /// <summary>Time between snapshots (OpenSky's anonymous resolution is 10 s).</summary>
    public TimeSpan Resolution { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How far back aircraft schedules begin, so that at <see cref="Start"/> some aircraft are already flying.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Only airports inside this box take part (null: the whole catalogue).</summary>
    public BoundingBox? Region { get; init; }

    /// <summary>Share of legs with a short transponder gap (1-12 min) in the air.</summary>
    public double ShortGapRate { get; init; } = 0.10;

    /// <summary>Share of legs with a gap of 25-45 min in cruise: longer than the 20-min flight-end threshold.</summary>
    public double LongGapRate { get; init; } = 0.03;

    /// <summary>Share of legs whose signal ends 2-8 min before touchdown and stays off (coverage lost on approach).</summary>
    public double LostBeforeLandingRate { get; init; } = 0.03;

    /// <summary>Share of states sent without a position (no time_position, latitude, longitude).</summary>
    public double PositionlessRate { get; init; } = 0.01;

    /// <summary>Share of states replaced by an invalid one (bad icao24, position out of range, or a time ahead of the snapshot).</summary>
    public double InvalidRate { get; init; } = 0.0005;

    /// <summary>
    /// Share of states with a spoofed position: the one state jumps 300-900 km away (as GPS spoofing and bad
    /// multilateration do), the next is where the aircraft really is. Off by default, so the traffic of a seed stays
    /// what it was before spoofing existed.
    /// </summary>
    public double SpoofRate { get; init; }

    /// <summary>Checks the options; returns the first problem or null.</summary>
    public string? Validate()
    {
        if (Aircraft is < 1 or > 1_000_000)
        {
            return "the number of aircraft must be between 1 and 1,000,000";
        }

        if (Resolution < TimeSpan.FromSeconds(1) || Resolution.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return "the resolution must be a whole number of seconds, at least 1";
        }

        foreach (var (name, rate) in new[] { ("short gap", ShortGapRate), ("long gap", LongGapRate), ("lost before landing", LostBeforeLandingRate), ("positionless", PositionlessRate), ("invalid", InvalidRate), ("spoof", SpoofRate) })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                return $"the {name} rate must be between 0 and 1";
            }
        }

        return WarmUp < TimeSpan.Zero ? "the warm-up must not be negative" : null;
    }
}
