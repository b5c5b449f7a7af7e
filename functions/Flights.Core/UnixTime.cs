namespace Flights.Core;

/// <summary>Unix seconds (as OpenSky sends them) to and from the UTC <see cref="DateTime"/> PostgreSQL's timestamptz takes.</summary>
public static class UnixTime
{
    /// <summary>Unix seconds as a UTC DateTime.</summary>
    public static DateTime ToUtc(long unixSeconds) => DateTime.UnixEpoch.AddSeconds(unixSeconds);

    /// <summary>Unix seconds as a UTC DateTime; null stays null.</summary>
    public static DateTime? ToUtc(long? unixSeconds) => unixSeconds is { } s ? DateTime.UnixEpoch.AddSeconds(s) : null;

    /// <summary>A UTC DateTime as whole Unix seconds.</summary>
    public static long ToUnix(DateTime value) => (long)(value - DateTime.UnixEpoch).TotalSeconds;
}
