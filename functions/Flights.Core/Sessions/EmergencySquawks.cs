namespace Flights.Core.Sessions;

/// <summary>A working copy of one <c>emergency_events</c> row: loaded while it may go on, or created by a batch.</summary>
public sealed class EmergencyPeriod
{
    /// <summary>The aircraft.</summary>
    public required long AircraftId { get; init; }

    /// <summary>7500, 7600 or 7700.</summary>
    public required string Squawk { get; init; }

    /// <summary>Time of the first state with the code ("from"), Unix seconds.</summary>
    public required long StartedAt { get; init; }

    /// <summary>Time of the newest state with the code ("to").</summary>
    public long LastSeenAt { get; set; }

    /// <summary>States with the code.</summary>
    public int StateCount { get; set; }

    /// <summary>Time of the state with another code that ended the run; null while it may go on, or when it ended by silence.</summary>
    public long? ClosedAt { get; set; }

    /// <summary>True for a period this batch started.</summary>
    public bool IsNew { get; init; }
}

/// <summary>
/// Emergency squawk periods as pure rules: an uninterrupted run of states of one aircraft with 7500
/// (unlawful interference), 7600 (radio failure) or 7700 (general emergency) is one period. States without a
/// squawk neither extend nor end it; a state with another code ends it (<c>closed_at</c>); after a gap longer than
/// the flight-end threshold the code starts a new period. Only states newer than the aircraft's watermark count, so a
/// batch delivered again changes nothing.
/// </summary>
public sealed class EmergencySquawks(SessionOptions sessions)
{
    private readonly long continueGap = (long)sessions.FlightEndThreshold.TotalSeconds;

    /// <summary>Whether the code is one of the three emergency codes.</summary>
    public static bool IsEmergency(string? squawk) => squawk is "7500" or "7600" or "7700";

    /// <summary>
    /// Applies the aircraft's states (sorted by time) to its period that may go on (<paramref name="open"/>, if any);
    /// adds every period that changed to <paramref name="changed"/>.
    /// </summary>
    public void Apply(AircraftHistory history, EmergencyPeriod? open, ReadOnlySpan<CleanState> states, List<EmergencyPeriod> changed)
    {
        var current = open;
        var currentChanged = false;
        foreach (ref readonly var state in states)
        {
            var t = state.LastContact;
            if (!history.IsNew(t))
            {
                continue;
            }

            if (current is not null && t - current.LastSeenAt > continueGap)
            {
                // Ended by silence: left without closed_at (so it does not matter whether it is still read at all).
                if (currentChanged)
                {
                    changed.Add(current);
                }

                current = null;
                currentChanged = false;
            }

            if (state.Squawk is not { } squawk)
            {
                continue;
            }

            if (current is not null && current.Squawk == squawk)
            {
                current.LastSeenAt = t;
                current.StateCount++;
                currentChanged = true;
                continue;
            }

            if (current is not null)
            {
                Close(current, t, ref currentChanged, changed);
                current = null;
            }

            if (IsEmergency(squawk))
            {
                current = new EmergencyPeriod { AircraftId = history.AircraftId, Squawk = squawk, StartedAt = t, LastSeenAt = t, StateCount = 1, IsNew = true };
                currentChanged = true;
            }
        }

        if (current is not null && currentChanged)
        {
            changed.Add(current);
        }
    }

    private static void Close(EmergencyPeriod period, long at, ref bool periodChanged, List<EmergencyPeriod> changed)
    {
        period.ClosedAt = at;
        changed.Add(period);
        periodChanged = false;
    }
}
