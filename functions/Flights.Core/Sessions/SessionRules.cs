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
    public bool IsNew(long lastContact) => IsNewer(lastContact, Watermark);

    /// <summary>
    /// The one test of "newer than the watermark": the rules (advancing their watermark state by state), the live and
    /// aircraft writes, the emergency and position rules all use it; no SQL repeats it.
    /// </summary>
    public static bool IsNewer(long lastContact, long? watermark) => lastContact > (watermark ?? long.MinValue);
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

    /// <summary>Whether nothing heard since <paramref name="since"/> means, at <paramref name="now"/>, that the signal is lost.</summary>
    public bool IsSilentSince(long since, long now) => now - since > flightEnd;

    /// <summary>Whether the session's signal is lost at <paramref name="now"/> (no state for longer than the flight-end threshold).</summary>
    public bool IsSignalLost(FlightSession session, long now) => IsSilentSince(session.LastSignalAt, now);

    /// <summary>Whether the session's aircraft has been on the ground for the landing confirmation time at <paramref name="now"/>.</summary>
    public bool IsLandingConfirmed(FlightSession session, long now) =>
        options.LandingDetection && session.GroundSince is { } touchdown && now - touchdown >= landingConfirmation;

    /// <summary>
    /// Ends an open session that no state will continue, judged at <paramref name="now"/> (the closer's lifecycle
    /// clock): landed at its touchdown when the landing is confirmed, else signal lost at its last signal. The same
    /// tests as <see cref="Apply"/> uses between states, so the processor and the closer agree on "ended".
    /// </summary>
    public bool TryEndBySilence(FlightSession session, long now)
    {
        if (IsLandingConfirmed(session, now))
        {
            session.End(session.GroundSince!.Value, SessionReasons.Landed, session.GroundPoint);
            return true;
        }

        if (IsSignalLost(session, now))
        {
            session.End(session.LastSignalAt, SessionReasons.SignalLost, session.LastKnownPosition);
            return true;
        }

        return false;
    }

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

        var watermark = history.Watermark;
        // Whether the aircraft was last seen on the ground recently: an airborne state then is a takeoff.
        bool? previousOnGround = history.LiveOnGround;
        var previousTime = history.LiveLastContact ?? history.Watermark;
        var applied = 0;

        foreach (ref readonly var state in states)
        {
            var t = state.LastContact;
            if (!AircraftHistory.IsNewer(t, watermark))
            {
                continue; // already applied (a duplicate) or older than what was applied: changes nothing
            }

            watermark = t;
            applied++;
            var point = RoutePoint.From(state);

            if (current is not null && IsSignalLost(current, t))
            {
                current.End(current.LastSignalAt, SessionReasons.SignalLost, current.LastKnownPosition);
                current = null;
            }

            var recentlyOnGround = previousOnGround == true && previousTime is { } pt && !IsSilentSince(pt, t);
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
                    else if (IsLandingConfirmed(current, t))
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
