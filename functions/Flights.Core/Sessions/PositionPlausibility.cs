namespace Flights.Core.Sessions;

/// <summary>The implausible-position rule's settings (configuration section <c>Positions</c>).</summary>
public sealed class PositionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Positions";

    /// <summary>
    /// Fastest ground speed a position may imply from the aircraft's previous accepted position, km/h. The
    /// default, 1,852 km/h, is 1.5 times the speed of sound at sea level (1,235 km/h): no civil aircraft and
    /// few military ones fly that fast, while GPS spoofing and bad multilateration jump hundreds of kilometres.
    /// </summary>
    public double MaxSpeedKmh { get; set; } = 1852;

    /// <summary>
    /// After this long without an accepted position the next position is accepted whatever it implies (the
    /// aircraft may really be elsewhere now). Unset: <c>Sessions__FlightEndThreshold</c>.
    /// </summary>
    public TimeSpan? AcceptAfterGap { get; set; }
}

/// <summary>Why a position was kept out of the route, the live position and the distance.</summary>
public enum ImplausibleReason
{
    /// <summary>Reaching it from the previous accepted position needs more than <see cref="PositionOptions.MaxSpeedKmh"/>.</summary>
    ImpliedSpeed,
}

/// <summary>
/// The implausible-position rule, as pure code run on each aircraft's new states before anything is written:
/// a position that implies a ground speed above the limit from the aircraft's previous accepted position is
/// removed from its state. The state itself stays (it is still a signal: it keeps a flight open and is counted),
/// it only no longer carries a position, so it adds no route point, does not move the live position and adds
/// no distance. A flight is never ended or opened by a position. The reference is the newest accepted
/// position, starting from the live row's; after a gap longer than the accept-after setting the next
/// position is accepted again.
/// </summary>
public sealed class PositionPlausibility(PositionOptions options, SessionOptions sessions)
{
    private readonly long acceptAfter = (long)(options.AcceptAfterGap ?? sessions.FlightEndThreshold).TotalSeconds;

    /// <summary>
    /// Whether moving <paramref name="distanceKm"/> in <paramref name="seconds"/> is faster than the limit.
    /// Position times are whole seconds, so the true interval can be up to a second longer than the difference
    /// of two of them: the rule allows for that second, and two positions of the same second may lie up to
    /// about 500 m apart.
    /// </summary>
    public bool IsImplausible(double distanceKm, long seconds) => distanceKm > options.MaxSpeedKmh / 3600 * (Math.Abs(seconds) + 1);

    /// <summary>
    /// Removes the implausible positions of the aircraft's new states (those newer than the history's
    /// watermark) from <paramref name="states"/> (sorted by time), in place. Returns how many it removed.
    /// </summary>
    public int Apply(AircraftHistory history, List<CleanState> states)
    {
        var reference = history.LivePosition is { } live ? (live.Time, live.Latitude, live.Longitude) : ((long Time, double Latitude, double Longitude)?)null;
        var removed = 0;
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            if (!history.IsNew(state.LastContact) || !state.HasPosition)
            {
                continue;
            }

            var time = state.PositionTime!.Value;
            var latitude = state.Latitude!.Value;
            var longitude = state.Longitude!.Value;
            if (reference is { } r && Math.Abs(time - r.Time) <= acceptAfter
                && IsImplausible(RoutePoint.DistanceKm(r.Latitude, r.Longitude, latitude, longitude), time - r.Time))
            {
                states[i] = state with { PositionTime = null, Latitude = null, Longitude = null };
                removed++;
                continue;
            }

            // An older position (out of order) is judged against the newest one but does not replace it.
            if (reference is null || time >= reference.Value.Time)
            {
                reference = (time, latitude, longitude);
            }
        }

        return removed;
    }
}
