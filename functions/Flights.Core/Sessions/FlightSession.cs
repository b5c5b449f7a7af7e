namespace Flights.Core.Sessions;

/// <summary>How a flight began or ended, as stored in <c>flight_sessions</c>.</summary>
public static class SessionReasons
{
    /// <summary>First seen already airborne (no ground state before it).</summary>
    public const string FirstSeenAirborne = "first_seen_airborne";

    /// <summary>Seen on the ground, then airborne.</summary>
    public const string Takeoff = "takeoff";

    /// <summary>Opened by a ground state: only with landing detection off (the seed's behaviour).</summary>
    public const string FirstSeenOnGround = "first_seen_on_ground";

    /// <summary>No signal for longer than the flight-end threshold.</summary>
    public const string SignalLost = "signal_lost";

    /// <summary>On the ground without interruption for the landing confirmation time.</summary>
    public const string Landed = "landed";
}

/// <summary>
/// A working copy of one <c>flight_sessions</c> row while a batch is applied: loaded for an open session,
/// or created for a new one; the rules change it and the writer stores what changed.
/// </summary>
public sealed class FlightSession
{
    /// <summary>The row's id; null for a session the rules just opened, until the writer assigns one.</summary>
    public long? SessionId { get; set; }

    /// <summary>The aircraft's surrogate key.</summary>
    public long AircraftId { get; init; }

    /// <summary>Latest non-empty callsign.</summary>
    public string? Callsign { get; set; }

    /// <summary>Start time, Unix seconds.</summary>
    public long StartedAt { get; init; }

    /// <summary>How it began (<see cref="SessionReasons"/>).</summary>
    public required string StartReason { get; init; }

    /// <summary>Time of the newest state, Unix seconds.</summary>
    public long LastSignalAt { get; set; }

    /// <summary>Time of the newest route point.</summary>
    public long? LastPointAt { get; set; }

    /// <summary>Latitude of the newest route point (for the distance).</summary>
    public double? LastPointLatitude { get; set; }

    /// <summary>Longitude of the newest route point.</summary>
    public double? LastPointLongitude { get; set; }

    /// <summary>Route points stored.</summary>
    public int PointCount { get; set; }

    /// <summary>States received.</summary>
    public int StateCount { get; set; }

    /// <summary>Longest gap between two states, seconds.</summary>
    public int MaxGapSeconds { get; set; }

    /// <summary>Length of the route, km.</summary>
    public double DistanceKm { get; set; }

    /// <summary>Highest barometric (else geometric) altitude while airborne, metres.</summary>
    public double? MaxAltitudeM { get; set; }

    /// <summary>Time of the first state of the current uninterrupted run of ground states (touchdown).</summary>
    public long? GroundSince { get; set; }

    /// <summary>Position at <see cref="GroundSince"/>: the final point if the run ends the flight.</summary>
    public RoutePoint? GroundPoint { get; set; }

    /// <summary>End time; null while open.</summary>
    public long? EndedAt { get; set; }

    /// <summary>How it ended (<see cref="SessionReasons"/>); null while open.</summary>
    public string? EndReason { get; set; }

    /// <summary>Route points this batch appends, in time order.</summary>
    public List<RoutePoint> NewPoints { get; } = [];

    /// <summary>The newest known position of the aircraft during this session (not stored; the final point on signal loss).</summary>
    public RoutePoint? LastKnownPosition { get; set; }

    /// <summary>True when the batch changed anything that must be written.</summary>
    public bool Changed { get; set; }

    /// <summary>True while the session has not ended.</summary>
    public bool IsOpen => EndedAt is null;

    /// <summary>Appends a route point and keeps the summary columns in step.</summary>
    public void AppendPoint(RoutePoint point)
    {
        if (LastPointLatitude is { } lat && LastPointLongitude is { } lon)
        {
            DistanceKm += RoutePoint.DistanceKm(lat, lon, point.Latitude, point.Longitude);
        }

        NewPoints.Add(point);
        PointCount++;
        LastPointAt = point.Time;
        LastPointLatitude = point.Latitude;
        LastPointLongitude = point.Longitude;
        Changed = true;
    }

    /// <summary>Ends the session; the final point is appended when it is newer than the last point.</summary>
    public void End(long endedAt, string reason, RoutePoint? finalPoint)
    {
        if (finalPoint is not null && (LastPointAt is null || finalPoint.Time > LastPointAt))
        {
            AppendPoint(finalPoint);
        }

        EndedAt = endedAt;
        EndReason = reason;
        Changed = true;
    }
}
