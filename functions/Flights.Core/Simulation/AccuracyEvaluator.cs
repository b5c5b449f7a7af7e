namespace Flights.Core.Simulation;

/// <summary>A flight as the warehouse stored it, for comparison with the truth (times in Unix seconds).</summary>
/// <param name="Icao24">Transponder address.</param>
/// <param name="StartedAt">Start of the flight.</param>
/// <param name="EndedAt">End; null while open.</param>
/// <param name="StartReason"><c>takeoff</c>, <c>first_seen_airborne</c>, ...</param>
/// <param name="EndReason"><c>landed</c>, <c>signal_lost</c> or null.</param>
/// <param name="DepartureAirport">Departure airport ident the pipeline gave the flight, or null.</param>
/// <param name="ArrivalAirport">Arrival airport ident, or null.</param>
public sealed record StoredFlight(string Icao24, long StartedAt, long? EndedAt, string StartReason, string? EndReason, string? DepartureAirport = null, string? ArrivalAirport = null);

/// <summary>
/// Departure and arrival airports against the truth's legs (the same legs and flights that count in
/// <see cref="AccuracyReport"/>). A departure is right when it is the leg's origin and given to the leg's first
/// flight; an arrival when it is the destination and given to the leg's last flight (a leg split in two has one
/// departure and one arrival). Any other airport given, including one to a flight without a leg, is wrong.
/// </summary>
/// <param name="Legs">Legs that count.</param>
/// <param name="DeparturesGiven">Counted flights with a departure airport.</param>
/// <param name="DeparturesRight">Of those, right ones.</param>
/// <param name="ArrivalsGiven">Counted flights with an arrival airport.</param>
/// <param name="ArrivalsRight">Of those, right ones.</param>
public sealed record AirportAccuracyReport(int Legs, int DeparturesGiven, int DeparturesRight, int ArrivalsGiven, int ArrivalsRight)
{
    /// <summary>Share of given departures that are right.</summary>
    public double DeparturePrecision => DeparturesGiven == 0 ? 0 : (double)DeparturesRight / DeparturesGiven;

    /// <summary>Share of legs whose origin was found.</summary>
    public double DepartureRecall => Legs == 0 ? 0 : (double)DeparturesRight / Legs;

    /// <summary>Share of given arrivals that are right.</summary>
    public double ArrivalPrecision => ArrivalsGiven == 0 ? 0 : (double)ArrivalsRight / ArrivalsGiven;

    /// <summary>Share of legs whose destination was found.</summary>
    public double ArrivalRecall => Legs == 0 ? 0 : (double)ArrivalsRight / Legs;
}

/// <summary>
/// Stored flights against the simulator's legs. A leg counts when the data shows it whole: it takes off after
/// the first snapshot and its transponder goes off at least a flight-end threshold before the last one.
/// A flight belongs to the leg of its aircraft whose transponder period contains its start; flights of legs
/// cut by the window are left out of both sides.
/// </summary>
/// <param name="Legs">Legs that count.</param>
/// <param name="CleanLegs">Of these, legs without a gap longer than the flight-end threshold and with the signal at touchdown: what the pipeline should get exactly right.</param>
/// <param name="LegsFound">Legs with at least one stored flight.</param>
/// <param name="StartsWithin">Legs whose first flight starts (as <c>takeoff</c>) within one resolution of the takeoff.</param>
/// <param name="EndsWithin">Legs whose last flight ends within one resolution of the touchdown.</param>
/// <param name="EndedLanded">Legs whose last flight ended <c>landed</c>.</param>
/// <param name="SplitLegs">Legs stored as more than one flight.</param>
/// <param name="Exact">Legs stored as exactly one flight, right start, right end, <c>landed</c>.</param>
/// <param name="CleanExact">Clean legs among <paramref name="Exact"/>.</param>
/// <param name="LostBeforeLanding">Legs whose signal ended before touchdown.</param>
/// <param name="LostBeforeLandingSignalLost">Of those, legs whose last flight ended <c>signal_lost</c> (the right answer for the data).</param>
/// <param name="Flights">Stored flights that count.</param>
/// <param name="FlightsWithoutLeg">Stored flights that belong to no leg (false positives by any measure).</param>
public sealed record AccuracyReport(
    int Legs,
    int CleanLegs,
    int LegsFound,
    int StartsWithin,
    int EndsWithin,
    int EndedLanded,
    int SplitLegs,
    int Exact,
    int CleanExact,
    int LostBeforeLanding,
    int LostBeforeLandingSignalLost,
    int Flights,
    int FlightsWithoutLeg)
{
    /// <summary>Share of counted flights that are an exact leg.</summary>
    public double Precision => Flights == 0 ? 0 : (double)Exact / Flights;

    /// <summary>Share of counted legs stored exactly.</summary>
    public double Recall => Legs == 0 ? 0 : (double)Exact / Legs;

    /// <summary>Recall over the clean legs only.</summary>
    public double CleanRecall => CleanLegs == 0 ? 0 : (double)CleanExact / CleanLegs;
}

/// <summary>Computes an <see cref="AccuracyReport"/> (pure).</summary>
public static class AccuracyEvaluator
{
    /// <summary>Compares <paramref name="flights"/> with <paramref name="legs"/> over the snapshots from <paramref name="windowStart"/> to <paramref name="windowEnd"/>.</summary>
    public static AccuracyReport Evaluate(IEnumerable<SimulatedLeg> legs, IEnumerable<StoredFlight> flights, long windowStart, long windowEnd, TimeSpan resolution, TimeSpan flightEndThreshold)
    {
        var tolerance = (long)resolution.TotalSeconds;
        var threshold = (long)flightEndThreshold.TotalSeconds;
        var legsByAircraft = legs.GroupBy(l => l.Icao24).ToDictionary(g => g.Key, g => g.OrderBy(l => l.TransponderOn).ToList());
        var flightsByLeg = new Dictionary<SimulatedLeg, List<StoredFlight>>();
        var counted = 0;
        var withoutLeg = 0;
        foreach (var flight in flights)
        {
            var leg = legsByAircraft.GetValueOrDefault(flight.Icao24)?.FirstOrDefault(l => flight.StartedAt >= l.TransponderOn && flight.StartedAt < l.TransponderOff);
            if (leg is null)
            {
                counted++;
                withoutLeg++;
                continue;
            }

            if (!Counts(leg, windowStart, windowEnd, threshold))
            {
                continue;
            }

            counted++;
            if (!flightsByLeg.TryGetValue(leg, out var list))
            {
                flightsByLeg[leg] = list = [];
            }

            list.Add(flight);
        }

        int total = 0, clean = 0, found = 0, starts = 0, ends = 0, landed = 0, split = 0, exact = 0, cleanExact = 0, lost = 0, lostRight = 0;
        foreach (var leg in legsByAircraft.Values.SelectMany(l => l).Where(l => Counts(l, windowStart, windowEnd, threshold)))
        {
            total++;
            var isClean = leg.SignalLostAt is null && leg.Gaps.All(g => g.Seconds <= threshold);
            clean += isClean ? 1 : 0;
            lost += leg.SignalLostAt is null ? 0 : 1;
            if (!flightsByLeg.TryGetValue(leg, out var stored))
            {
                continue;
            }

            stored.Sort((a, b) => a.StartedAt.CompareTo(b.StartedAt));
            var first = stored[0];
            var last = stored[^1];
            found++;
            split += stored.Count > 1 ? 1 : 0;
            var startOk = first.StartReason == "takeoff" && Math.Abs(first.StartedAt - leg.Takeoff) <= tolerance;
            var endOk = last.EndedAt is { } end && Math.Abs(end - leg.Landing) <= tolerance;
            var isLanded = last.EndReason == "landed";
            starts += startOk ? 1 : 0;
            ends += endOk ? 1 : 0;
            landed += isLanded ? 1 : 0;
            lostRight += leg.SignalLostAt is not null && last.EndReason == "signal_lost" ? 1 : 0;
            if (stored.Count == 1 && startOk && endOk && isLanded)
            {
                exact++;
                cleanExact += isClean ? 1 : 0;
            }
        }

        return new AccuracyReport(total, clean, found, starts, ends, landed, split, exact, cleanExact, lost, lostRight, counted, withoutLeg);
    }

    /// <summary>Compares the airports of <paramref name="flights"/> with the legs' (same window rules as <see cref="Evaluate"/>).</summary>
    public static AirportAccuracyReport EvaluateAirports(IEnumerable<SimulatedLeg> legs, IEnumerable<StoredFlight> flights, long windowStart, long windowEnd, TimeSpan flightEndThreshold)
    {
        var threshold = (long)flightEndThreshold.TotalSeconds;
        var legsByAircraft = legs.GroupBy(l => l.Icao24).ToDictionary(g => g.Key, g => g.ToList());
        var counted = new List<(StoredFlight Flight, SimulatedLeg? Leg)>();
        foreach (var flight in flights)
        {
            var leg = legsByAircraft.GetValueOrDefault(flight.Icao24)?.FirstOrDefault(l => flight.StartedAt >= l.TransponderOn && flight.StartedAt < l.TransponderOff);
            if (leg is null || Counts(leg, windowStart, windowEnd, threshold))
            {
                counted.Add((flight, leg));
            }
        }

        var byLeg = counted.Where(c => c.Leg is not null).GroupBy(c => c.Leg!).ToDictionary(g => g.Key, g => g.Select(c => c.Flight).OrderBy(f => f.StartedAt).ToList());
        int depGiven = 0, depRight = 0, arrGiven = 0, arrRight = 0;
        foreach (var (flight, leg) in counted)
        {
            var own = leg is null ? null : byLeg[leg];
            if (flight.DepartureAirport is { } departure)
            {
                depGiven++;
                depRight += leg is not null && ReferenceEquals(own![0], flight) && string.Equals(departure, leg.Origin, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            }

            if (flight.ArrivalAirport is { } arrival)
            {
                arrGiven++;
                arrRight += leg is not null && ReferenceEquals(own![^1], flight) && string.Equals(arrival, leg.Destination, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            }
        }

        var total = legsByAircraft.Values.SelectMany(l => l).Count(l => Counts(l, windowStart, windowEnd, threshold));
        return new AirportAccuracyReport(total, depGiven, depRight, arrGiven, arrRight);
    }

    private static bool Counts(SimulatedLeg leg, long windowStart, long windowEnd, long threshold) =>
        leg.Takeoff > windowStart && leg.TransponderOff + threshold <= windowEnd;
}
