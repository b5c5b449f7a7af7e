namespace Flights.Core.Sessions;

/// <summary>The airport rules' settings (configuration section <c>Airports</c>).</summary>
public sealed class AirportOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Airports";

    /// <summary>A takeoff or touchdown point gets the nearest airport within this distance of its reference point.</summary>
    public double GroundRadiusKm { get; set; } = 5;

    /// <summary>A flight first seen (or last seen) airborne gets an estimated airport only within this distance...</summary>
    public double LowRadiusKm { get; set; } = 10;

    /// <summary>...and only below this height above the airport's elevation.</summary>
    public double LowHeightM { get; set; } = 1000;

    /// <summary>
    /// An estimated departure needs a point that is not descending faster than this, an estimated arrival one that is
    /// not climbing faster (m/s): low near an airport and descending is an approach, climbing is a departure.
    /// </summary>
    public double VerticalRateToleranceMs { get; set; } = 1;

    /// <summary>OurAirports types the rules consider, comma-separated (heliports and seaplane bases are left out by default).</summary>
    public string Types { get; set; } = "large_airport,medium_airport,small_airport";

    /// <summary>How often the processor and the closer read the <c>airports</c> table again (a new catalogue is picked up within this time).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether migrating loads the built-in catalogue (OurAirports medium and large airports) into an empty <c>airports</c> table.</summary>
    public bool LoadBuiltIn { get; set; } = true;

    /// <summary><see cref="Types"/> as a set.</summary>
    public IReadOnlySet<string> TypeSet() => Types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
}

/// <summary>How a flight's airport was found, as stored in <c>departure_method</c> / <c>arrival_method</c>.</summary>
public static class AirportMethods
{
    /// <summary>The first position of a flight that began with a takeoff.</summary>
    public const string Takeoff = "takeoff";

    /// <summary>The touchdown point of a landed flight.</summary>
    public const string Touchdown = "touchdown";

    /// <summary>A flight first (or last) seen low and near an airport: an estimate.</summary>
    public const string EstimatedLow = "estimated_low";
}

/// <summary>Why a flight has no departure or arrival airport, as stored in <c>*_unknown_reason</c>.</summary>
public static class AirportUnknownReasons
{
    /// <summary>The <c>airports</c> table is empty.</summary>
    public const string NoAirportsLoaded = "no_airports_loaded";

    /// <summary>The flight has no position to judge by (no route point, or no position at its end).</summary>
    public const string NoPosition = "no_position";

    /// <summary>No airport within the radius.</summary>
    public const string NoAirportNearby = "no_airport_nearby";

    /// <summary>Airborne at or above the height limit over the nearest airport: first or last seen en route.</summary>
    public const string TooHigh = "too_high";

    /// <summary>Airborne without an altitude, so the height over the airport cannot be told.</summary>
    public const string NoAltitude = "no_altitude";

    /// <summary>First seen low near an airport but descending: on approach there, not departing from it.</summary>
    public const string Descending = "descending";

    /// <summary>Last seen low near an airport but climbing: departing from it, not arriving.</summary>
    public const string Climbing = "climbing";
}

/// <summary>One end of a flight: the airport found, or why none was.</summary>
/// <param name="Airport">The airport's ident; null when none was found.</param>
/// <param name="DistanceKm">Distance from the point to the airport's reference point.</param>
/// <param name="HeightM">Height of the point above the airport's elevation (0 on the ground; null when unknown).</param>
/// <param name="Method"><see cref="AirportMethods"/>; null when no airport was found.</param>
/// <param name="UnknownReason"><see cref="AirportUnknownReasons"/>; null when an airport was found.</param>
public sealed record AirportDecision(string? Airport, double? DistanceKm, double? HeightM, string? Method, string? UnknownReason)
{
    /// <summary>No airport, for <paramref name="reason"/>.</summary>
    public static AirportDecision Unknown(string reason) => new(null, null, null, null, reason);
}

/// <summary>The airports one batch (or one closer chunk) decided for one session.</summary>
/// <param name="Session">The session (its aircraft and start time identify its row, also before it has an id).</param>
/// <param name="Departure">Decided now, else null (not yet known, or decided before).</param>
/// <param name="Arrival">Decided now (the session ended), else null.</param>
public sealed record SessionAirports(FlightSession Session, AirportDecision? Departure, AirportDecision? Arrival);

/// <summary>
/// Departure and arrival airport of a flight, as pure rules over a session the session rules (or the closer)
/// just changed:
/// <list type="bullet">
/// <item>The departure is decided once, at the flight's first route point (the first position): a flight that
/// began with <c>takeoff</c> gets the nearest airport within <see cref="AirportOptions.GroundRadiusKm"/>; any
/// other gets one only when that point is low (below <see cref="AirportOptions.LowHeightM"/> above the
/// airport) and near (within <see cref="AirportOptions.LowRadiusKm"/>) and not descending (an approach):
/// <c>estimated_low</c>.</item>
/// <item>The arrival is decided when the flight ends: a landed flight from its touchdown point within the
/// ground radius (<c>touchdown</c>); a flight whose signal was lost, or a landing without a touchdown position,
/// from its last position by the low rule, not climbing (<c>estimated_low</c>).</item>
/// </list>
/// Otherwise the airport is null with the reason.
/// </summary>
public sealed class AirportRules(AirportOptions options)
{
    /// <summary>What the session's latest change decided; null when it decided nothing.</summary>
    public SessionAirports? Decide(FlightSession session, AirportIndex index)
    {
        AirportDecision? departure = null;
        AirportDecision? arrival = null;
        var pointsBefore = session.PointCount - session.NewPoints.Count;
        if (pointsBefore == 0 && session.NewPoints.Count > 0)
        {
            var first = session.NewPoints[0];
            // A flight whose only position is its touchdown says nothing about where it came from.
            departure = ReferenceEquals(first, session.GroundPoint) && session.EndReason == SessionReasons.Landed
                ? AirportDecision.Unknown(AirportUnknownReasons.NoPosition)
                : Departure(index, session.StartReason, first);
        }

        if (session.EndReason is { } reason)
        {
            if (session.PointCount == 0)
            {
                departure = AirportDecision.Unknown(AirportUnknownReasons.NoPosition);
            }

            arrival = Arrival(index, reason, session.GroundPoint, session.LastKnownPosition);
        }

        return departure is null && arrival is null ? null : new SessionAirports(session, departure, arrival);
    }

    /// <summary>The departure airport from the flight's first position.</summary>
    public AirportDecision Departure(AirportIndex index, string startReason, RoutePoint firstPoint) =>
        startReason == SessionReasons.Takeoff ? Ground(index, firstPoint, AirportMethods.Takeoff) : Low(index, firstPoint, departing: true);

    /// <summary>The arrival airport of a flight that ended for <paramref name="endReason"/>.</summary>
    public AirportDecision Arrival(AirportIndex index, string endReason, RoutePoint? touchdown, RoutePoint? lastPosition)
    {
        if (endReason == SessionReasons.Landed && touchdown is not null)
        {
            return Ground(index, touchdown, AirportMethods.Touchdown);
        }

        return lastPosition is null ? AirportDecision.Unknown(AirportUnknownReasons.NoPosition) : Low(index, lastPosition, departing: false);
    }

    private AirportDecision Ground(AirportIndex index, RoutePoint point, string method)
    {
        if (index.Count == 0)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.NoAirportsLoaded);
        }

        if (index.Nearest(point.Latitude, point.Longitude, options.GroundRadiusKm) is not { } near)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.NoAirportNearby);
        }

        return new AirportDecision(near.Airport.Ident, Math.Round(near.DistanceKm, 3), Height(point, near), method, null);
    }

    private AirportDecision Low(AirportIndex index, RoutePoint point, bool departing)
    {
        if (index.Count == 0)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.NoAirportsLoaded);
        }

        if (index.Nearest(point.Latitude, point.Longitude, options.LowRadiusKm) is not { } near)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.NoAirportNearby);
        }

        if (Height(point, near) is not { } height)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.NoAltitude);
        }

        if (height >= options.LowHeightM)
        {
            return AirportDecision.Unknown(AirportUnknownReasons.TooHigh);
        }

        // An unknown vertical rate does not count against the estimate.
        if (!point.OnGround && point.VerticalRateMs is { } rate)
        {
            if (departing && rate < -options.VerticalRateToleranceMs)
            {
                return AirportDecision.Unknown(AirportUnknownReasons.Descending);
            }

            if (!departing && rate > options.VerticalRateToleranceMs)
            {
                return AirportDecision.Unknown(AirportUnknownReasons.Climbing);
            }
        }

        return new AirportDecision(near.Airport.Ident, Math.Round(near.DistanceKm, 3), height, AirportMethods.EstimatedLow, null);
    }

    // On the ground the height is 0 whatever the (pressure) altitude says; an airport without an elevation counts as at sea level.
    private static double? Height(RoutePoint point, NearbyAirport near) =>
        point.OnGround ? 0 : point.AltitudeM is { } altitude ? Math.Round(altitude - (near.Airport.ElevationM ?? 0), 1) : null;
}
