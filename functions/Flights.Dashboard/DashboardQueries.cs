using System.Text.Json;
using Dapper;
using Npgsql;

namespace Flights.Dashboard;

/// <summary>The dashboard's read-only queries (over the <c>bi_*</c> views and the live table).</summary>
public sealed class DashboardQueries(NpgsqlDataSource dataSource)
{
    // The open flight's last route point starts the aircraft's trail on the map (the page adds the positions
    // it sees while open); read from the session's columns, so the route itself is never loaded here.
    private const string SelectLive = """
        select a.icao24 as Icao24, l.callsign as Callsign, l.latitude as Latitude, l.longitude as Longitude,
               coalesce(l.baro_altitude_m, l.geo_altitude_m) as AltitudeM, l.velocity_kmh as SpeedKmh, l.heading_deg as Heading,
               l.vertical_rate_ms as VerticalRateMs, l.on_ground as OnGround, l.last_contact as LastContact, l.squawk as Squawk,
               a.registration as Registration, a.type_code as TypeCode, a.model as Model, a.operator as Operator, a.origin_country as Country,
               l.flight_last_point_at as TrailFrom, l.flight_last_point_lat as TrailFromLatitude, l.flight_last_point_lon as TrailFromLongitude
        from live_status l
        join bi_aircraft a on a.aircraft_id = l.aircraft_id
        where l.latitude is not null
        order by a.icao24
        """;

    // Prefix match on the callsign, exact transponder or registration, exact country (any case), and an
    // airport (upper-case ident) that is the flight's departure or arrival.
    private const string SelectFlights = """
        select f.flight_id as FlightId, f.icao24 as Icao24, f.callsign as Callsign, f.registration as Registration, f.type_code as TypeCode,
               f.operator as Operator, f.origin_country as Country, f.started_at as StartedAt, f.ended_at as EndedAt,
               f.duration_min as DurationMin, f.distance_km as DistanceKm, f.start_reason as StartReason, f.end_reason as EndReason,
               s.departure_airport as DepartureAirport, s.arrival_airport as ArrivalAirport
        from bi_flights f
        join flight_sessions s on s.session_id = f.flight_id
        where (@callsign::text is null or starts_with(upper(f.callsign), upper(@callsign)))
          and (@aircraft::text is null or f.icao24 = lower(@aircraft) or upper(f.registration) = upper(@aircraft))
          and (@country::text is null or lower(f.origin_country) = lower(@country))
          and (@airport::text is null or s.departure_airport = @airport or s.arrival_airport = @airport)
        order by f.started_at desc, f.flight_id desc
        limit @limit
        """;

    // Both ends of one flight, with the airports' names from the catalogue.
    private const string SelectFlightAirports = """
        select departure_airport as DepartureAirport, departure_name as DepartureName, departure_iata as DepartureIata,
               departure_method as DepartureMethod, departure_distance_km as DepartureDistanceKm, departure_height_m as DepartureHeightM,
               departure_unknown_reason as DepartureUnknownReason,
               arrival_airport as ArrivalAirport, arrival_name as ArrivalName, arrival_iata as ArrivalIata,
               arrival_method as ArrivalMethod, arrival_distance_km as ArrivalDistanceKm, arrival_height_m as ArrivalHeightM,
               arrival_unknown_reason as ArrivalUnknownReason
        from bi_flight_airports
        where flight_id = @id
        """;

    // The newest emergency squawk periods, the ones still going on first.
    private const string SelectEmergencies = """
        select event_id as EventId, icao24 as Icao24, callsign as Callsign, flight_id as FlightId, squawk as Squawk, meaning as Meaning,
               started_at as StartedAt, last_seen_at as LastSeenAt, closed_at as ClosedAt, state_count as StateCount
        from bi_emergencies
        order by last_seen_at desc, event_id desc
        limit @limit
        """;

    /// <summary>The most emergency periods <see cref="EmergenciesAsync"/> returns.</summary>
    public const int EmergencyLimit = 50;

    private const string SelectFlight = """
        select f.flight_id as FlightId, f.icao24 as Icao24, f.callsign as Callsign, f.registration as Registration, f.type_code as TypeCode,
               f.operator as Operator, f.origin_country as Country, f.started_at as StartedAt, f.ended_at as EndedAt,
               f.duration_min as DurationMin, f.distance_km as DistanceKm, f.start_reason as StartReason, f.end_reason as EndReason,
               s.route::text as Route
        from bi_flights f
        join flight_sessions_current s on s.session_id = f.flight_id
        where f.flight_id = @id
        """;

    // The aircraft's open flight, else its newest one.
    private const string SelectAircraftRoute = """
        select s.session_id as FlightId, s.route::text as Route
        from flight_sessions_current s
        join dim_aircrafts d on d.aircraft_id = s.aircraft_id
        where d.transponder_hex = @icao24
        order by s.ended_at is null desc, s.started_at desc
        limit 1
        """;

    /// <summary>Live aircraft with a position, as a GeoJSON FeatureCollection.</summary>
    public async Task<object> LiveGeoJsonAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LiveAircraft>(new CommandDefinition(SelectLive, cancellationToken: cancellationToken));
        return new
        {
            type = "FeatureCollection",
            features = rows.Select(r => new
            {
                type = "Feature",
                id = r.Icao24,
                geometry = new { type = "Point", coordinates = new[] { r.Longitude, r.Latitude } },
                properties = r,
            }),
        };
    }

    /// <summary>Flights, newest first, filtered by callsign prefix, aircraft (icao24 or registration), country and airport.</summary>
    public async Task<IReadOnlyList<FlightSummary>> FlightsAsync(DashboardParameters.Filter filter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var parameters = new
        {
            callsign = Blank(filter.Callsign), aircraft = Blank(filter.Aircraft), country = Blank(filter.Country), airport = Blank(filter.Airport),
            limit = Math.Clamp(filter.Limit, 1, DashboardParameters.MaxLimit),
        };
        return (await connection.QueryAsync<FlightSummary>(new CommandDefinition(SelectFlights, parameters, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>One flight with its route points; null when there is no such flight.</summary>
    public async Task<object?> FlightAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<FlightWithRoute>(new CommandDefinition(SelectFlight, new { id }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var ends = await connection.QuerySingleAsync<FlightAirportsRow>(new CommandDefinition(SelectFlightAirports, new { id }, cancellationToken: cancellationToken));
        return new
        {
            flight = row with { Route = null },
            departure = new FlightEnd(ends.DepartureAirport, ends.DepartureName, ends.DepartureIata, ends.DepartureMethod, ends.DepartureDistanceKm, ends.DepartureHeightM, ends.DepartureUnknownReason),
            arrival = new FlightEnd(ends.ArrivalAirport, ends.ArrivalName, ends.ArrivalIata, ends.ArrivalMethod, ends.ArrivalDistanceKm, ends.ArrivalHeightM, ends.ArrivalUnknownReason),
            route = Parse(row.Route!),
        };
    }

    /// <summary>The newest emergency squawk periods (at most <see cref="EmergencyLimit"/>), each with its flight where it had one.</summary>
    public async Task<IReadOnlyList<EmergencyPeriod>> EmergenciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EmergencyPeriod>(new CommandDefinition(SelectEmergencies, new { limit = EmergencyLimit }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The route of an aircraft's (lower-case icao24) open, else newest, flight; null when it has none.</summary>
    public async Task<object?> AircraftRouteAsync(string icao24, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long FlightId, string Route)?>(
            new CommandDefinition(SelectAircraftRoute, new { icao24 }, cancellationToken: cancellationToken));
        return row is { } r ? new { flightId = r.FlightId, route = Parse(r.Route) } : null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>One live aircraft.</summary>
    public sealed record LiveAircraft(string Icao24, string? Callsign, double Latitude, double Longitude, double? AltitudeM, double? SpeedKmh, double? Heading,
        double? VerticalRateMs, bool OnGround, DateTime LastContact, string? Squawk, string? Registration, string? TypeCode, string? Model, string? Operator, string? Country,
        DateTime? TrailFrom, double? TrailFromLatitude, double? TrailFromLongitude);

    /// <summary>One row of the flights list.</summary>
    public sealed record FlightSummary(long FlightId, string Icao24, string? Callsign, string? Registration, string? TypeCode, string? Operator, string? Country,
        DateTime StartedAt, DateTime? EndedAt, decimal DurationMin, decimal DistanceKm, string StartReason, string? EndReason,
        string? DepartureAirport, string? ArrivalAirport);

    /// <summary>
    /// One end of a flight: the airport (catalogue ident, its name and IATA code), how it was found (method) and
    /// how far from it; all null but <paramref name="UnknownReason"/> when no airport could be found, all null
    /// while not decided yet.
    /// </summary>
    public sealed record FlightEnd(string? Airport, string? Name, string? Iata, string? Method, double? DistanceKm, double? HeightM, string? UnknownReason);

    /// <summary>One emergency squawk period (bi_emergencies).</summary>
    public sealed record EmergencyPeriod(long EventId, string Icao24, string? Callsign, long? FlightId, string Squawk, string Meaning,
        DateTime StartedAt, DateTime LastSeenAt, DateTime? ClosedAt, int StateCount);

    private sealed class FlightAirportsRow
    {
        public string? DepartureAirport { get; init; }

        public string? DepartureName { get; init; }

        public string? DepartureIata { get; init; }

        public string? DepartureMethod { get; init; }

        public double? DepartureDistanceKm { get; init; }

        public double? DepartureHeightM { get; init; }

        public string? DepartureUnknownReason { get; init; }

        public string? ArrivalAirport { get; init; }

        public string? ArrivalName { get; init; }

        public string? ArrivalIata { get; init; }

        public string? ArrivalMethod { get; init; }

        public double? ArrivalDistanceKm { get; init; }

        public double? ArrivalHeightM { get; init; }

        public string? ArrivalUnknownReason { get; init; }
    }

    private sealed record FlightWithRoute(long FlightId, string Icao24, string? Callsign, string? Registration, string? TypeCode, string? Operator, string? Country,
        DateTime StartedAt, DateTime? EndedAt, decimal DurationMin, decimal DistanceKm, string StartReason, string? EndReason, string? Route);
}
