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
               s.last_point_at as TrailFrom, s.last_point_lat as TrailFromLatitude, s.last_point_lon as TrailFromLongitude
        from live_status l
        join bi_aircraft a on a.aircraft_id = l.aircraft_id
        left join flight_sessions s on s.aircraft_id = l.aircraft_id and s.ended_at is null
        where l.latitude is not null
        order by a.icao24
        """;

    // Prefix match on the callsign, exact transponder or registration, exact country (any case).
    private const string SelectFlights = """
        select flight_id as FlightId, icao24 as Icao24, callsign as Callsign, registration as Registration, type_code as TypeCode,
               operator as Operator, origin_country as Country, started_at as StartedAt, ended_at as EndedAt,
               duration_min as DurationMin, distance_km as DistanceKm, start_reason as StartReason, end_reason as EndReason
        from bi_flights
        where (@callsign::text is null or starts_with(upper(callsign), upper(@callsign)))
          and (@aircraft::text is null or icao24 = lower(@aircraft) or upper(registration) = upper(@aircraft))
          and (@country::text is null or lower(origin_country) = lower(@country))
        order by started_at desc, flight_id desc
        limit @limit
        """;

    private const string SelectFlight = """
        select f.flight_id as FlightId, f.icao24 as Icao24, f.callsign as Callsign, f.registration as Registration, f.type_code as TypeCode,
               f.operator as Operator, f.origin_country as Country, f.started_at as StartedAt, f.ended_at as EndedAt,
               f.duration_min as DurationMin, f.distance_km as DistanceKm, f.start_reason as StartReason, f.end_reason as EndReason,
               s.route::text as Route
        from bi_flights f
        join flight_sessions s on s.session_id = f.flight_id
        where f.flight_id = @id
        """;

    // The aircraft's open flight, else its newest one.
    private const string SelectAircraftRoute = """
        select s.session_id as FlightId, s.route::text as Route
        from flight_sessions s
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

    /// <summary>Flights, newest first, filtered by callsign prefix, aircraft (icao24 or registration) and country.</summary>
    public async Task<IReadOnlyList<FlightSummary>> FlightsAsync(string? callsign, string? aircraft, string? country, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var parameters = new { callsign = Blank(callsign), aircraft = Blank(aircraft), country = Blank(country), limit = Math.Clamp(limit, 1, 1000) };
        return (await connection.QueryAsync<FlightSummary>(new CommandDefinition(SelectFlights, parameters, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>One flight with its route points; null when there is no such flight.</summary>
    public async Task<object?> FlightAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<FlightWithRoute>(new CommandDefinition(SelectFlight, new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new { flight = row with { Route = null }, route = Parse(row.Route!) };
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
        DateTime StartedAt, DateTime? EndedAt, decimal DurationMin, decimal DistanceKm, string StartReason, string? EndReason);

    private sealed record FlightWithRoute(long FlightId, string Icao24, string? Callsign, string? Registration, string? TypeCode, string? Operator, string? Country,
        DateTime StartedAt, DateTime? EndedAt, decimal DurationMin, decimal DistanceKm, string StartReason, string? EndReason, string? Route);
}
