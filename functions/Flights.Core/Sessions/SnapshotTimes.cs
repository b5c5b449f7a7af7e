using System.Globalization;

namespace Flights.Core.Sessions;

/// <summary>
/// The sanity bounds on a snapshot's time. The wall clock is only a bound here: a snapshot dated in 2100
/// or in year 11000 is garbage, and letting it through would move the pipeline clock there for good. The
/// lifecycle rules themselves stay on the data clock.
/// </summary>
public static class SnapshotTimes
{
    /// <summary>2000-01-01T00:00:00Z: no earlier time can come from the live API; earlier means a zero or garbage field.</summary>
    public const long EarliestPlausible = 946_684_800;

    /// <summary>
    /// The latest Unix time that still converts to a <see cref="DateTime"/> with room to spare (9999-12-30),
    /// the bound when no wall clock is given.
    /// </summary>
    public const long LatestRepresentable = 253_402_214_400;

    /// <summary>The latest plausible snapshot time for the wall clock <paramref name="now"/>.</summary>
    public static long Latest(DateTimeOffset now, TimeSpan maxAheadOfWallClock) =>
        Math.Min(LatestRepresentable, now.ToUnixTimeSeconds() + (long)maxAheadOfWallClock.TotalSeconds);

    /// <summary>Null when the snapshot time is plausible, else one line saying why not.</summary>
    public static string? Problem(long snapshotTime, DateTimeOffset now, TimeSpan maxAheadOfWallClock)
    {
        if (snapshotTime < EarliestPlausible)
        {
            return string.Create(CultureInfo.InvariantCulture, $"snapshot time {snapshotTime} ({Describe(snapshotTime)}) is before 2000-01-01");
        }

        if (snapshotTime > Latest(now, maxAheadOfWallClock))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"snapshot time {snapshotTime} ({Describe(snapshotTime)}) is more than {maxAheadOfWallClock} ahead of the wall clock ({now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
        }

        return null;
    }

    private static string Describe(long unixSeconds) =>
        unixSeconds is >= -62_135_596_800 and <= 253_402_300_799
            ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "not a representable date";
}
