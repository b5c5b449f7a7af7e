namespace Flights.Core.Sessions;

/// <summary>What the database knows about an aircraft before a batch is applied.</summary>
/// <param name="AircraftId">Surrogate key.</param>
/// <param name="Watermark">Time of the newest state already applied (dim_aircrafts.last_seen); null for an aircraft never seen.</param>
/// <param name="OpenSession">Its open session, if any.</param>
/// <param name="LiveOnGround">On-ground flag of its live row, if it has one.</param>
/// <param name="LiveLastContact">Time of its live row's state.</param>
/// <param name="LivePosition">Position of its live row, if any.</param>
public sealed record AircraftHistory(long AircraftId, long? Watermark, FlightSession? OpenSession, bool? LiveOnGround, long? LiveLastContact, RoutePoint? LivePosition)
{
    /// <summary>
    /// Whether a state of this time is newer than everything applied before the batch. The session rules start
    /// from the same test (<see cref="SessionRules.Apply"/>), so the live and aircraft writes, which the writer
    /// decides before the rules run, count the same states as new.
    /// </summary>
    public bool IsNew(long lastContact) => lastContact > (Watermark ?? long.MinValue);
}

/// <summary>The rules' verdict for one aircraft in one batch.</summary>
/// <param name="Sessions">Every session the batch touched, in time order (an ended one before the one that replaced it).</param>
/// <param name="AppliedStates">States newer than the watermark, applied in time order.</param>
public sealed record AircraftOutcome(IReadOnlyList<FlightSession> Sessions, int AppliedStates);

/// <summary>
/// The flight-session rules (Logic B and the landing rules), as pure code: given what the database knows
/// about an aircraft and its new states, decide which sessions open, which points are added and which
/// sessions end. Only states newer than the aircraft's watermark count, so applying the same states again
/// changes nothing: that is what makes at-least-once delivery safe.
/// </summary>
public sealed class SessionRules(SessionOptions options)
{
    private readonly long pointInterval = (long)options.RoutePointInterval.TotalSeconds;

    /// <summary>The settings the rules run with.</summary>
    public SessionOptions Options => options;

    private readonly long flightEnd = (long)options.FlightEndThreshold.TotalSeconds;
    private readonly long landingConfirmation = (long)options.LandingConfirmation.TotalSeconds;

    /// <summary>Applies the states of one aircraft. <paramref name="states"/> must be sorted by <see cref="CleanState.LastContact"/>.</summary>
    public AircraftOutcome Apply(AircraftHistory history, ReadOnlySpan<CleanState> states)
    {
        var touched = new List<FlightSession>(2);
        var current = history.OpenSession;
        if (current is not null)
        {
            touched.Add(current);
            if (history.LivePosition is { } live && live.Time <= current.LastSignalAt && (current.LastPointAt is null || live.Time > current.LastPointAt))
            {
                current.LastKnownPosition = live;
            }
        }

        var watermark = history.Watermark ?? long.MinValue;
        // Whether the aircraft was last seen on the ground recently: an airborne state then is a takeoff.
        bool? previousOnGround = history.LiveOnGround;
        var previousTime = history.LiveLastContact ?? history.Watermark;
        var applied = 0;

        foreach (ref readonly var state in states)
        {
            var t = state.LastContact;
            if (t <= watermark)
            {
                continue; // already applied (a duplicate) or older than what was applied: changes nothing
            }

            watermark = t;
            applied++;
            var point = RoutePoint.From(state);

            if (current is not null && t - current.LastSignalAt > flightEnd)
            {
                current.End(current.LastSignalAt, SessionReasons.SignalLost, current.LastKnownPosition);
                current = null;
            }

            var recentlyOnGround = previousOnGround == true && previousTime is { } pt && t - pt <= flightEnd;
            if (current is null)
            {
                if (options.LandingDetection && state.OnGround)
                {
                    // Parked, taxiing or a ground vehicle: in the live view, but not a flight.
                    previousOnGround = true;
                    previousTime = t;
                    continue;
                }

                current = new FlightSession
                {
                    AircraftId = history.AircraftId,
                    StartedAt = t,
                    StartReason = state.OnGround ? SessionReasons.FirstSeenOnGround
                        : recentlyOnGround && options.LandingDetection ? SessionReasons.Takeoff
                        : SessionReasons.FirstSeenAirborne,
                    LastSignalAt = t,
                    StateCount = 1,
                    Changed = true,
                };
                touched.Add(current);
            }
            else
            {
                current.MaxGapSeconds = (int)Math.Max(current.MaxGapSeconds, t - current.LastSignalAt);
                current.LastSignalAt = t;
                current.StateCount++;
                current.Changed = true;
            }

            if (state.Callsign is not null)
            {
                current.Callsign = state.Callsign;
            }

            if (!state.OnGround && (state.BaroAltitudeM ?? state.GeoAltitudeM) is { } altitude && (current.MaxAltitudeM is null || altitude > current.MaxAltitudeM))
            {
                current.MaxAltitudeM = altitude;
            }

            if (point is not null)
            {
                // With landing detection, a ground state in an open flight is a touchdown candidate: its point is
                // stored as the final point if the landing is confirmed, so a route never runs past its end time.
                var holdsForLanding = options.LandingDetection && state.OnGround;
                if (!holdsForLanding && (current.LastPointAt is null || point.Time - current.LastPointAt >= pointInterval))
                {
                    current.AppendPoint(point);
                }

                if (point.Time > (current.LastKnownPosition?.Time ?? long.MinValue))
                {
                    current.LastKnownPosition = point;
                }
            }

            if (options.LandingDetection)
            {
                if (state.OnGround)
                {
                    if (current.GroundSince is null)
                    {
                        current.GroundSince = t;
                        current.GroundPoint = point;
                    }
                    else if (t - current.GroundSince >= landingConfirmation)
                    {
                        current.End(current.GroundSince.Value, SessionReasons.Landed, current.GroundPoint);
                        current = null;
                    }
                }
                else if (current.GroundSince is not null)
                {
                    current.GroundSince = null;
                    current.GroundPoint = null;
                }
            }

            previousOnGround = state.OnGround;
            previousTime = t;
        }

        return new AircraftOutcome(touched, applied);
    }
}
