using Dapper;
using Flights.Tests.Integration.Infrastructure;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Insight;

public sealed class BiViewTests
{
    private static readonly DateTime Day = new(2026, 1, 1);

    [Fact]
    public async Task Bi_flights_has_one_row_per_flight_with_aircraft_attributes_duration_distance_and_reasons()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await ThreeFlightsAsync(db);

        var rows = await QueryAsync<FlightRow>(db, """
            select icao24 as Icao24, callsign as Callsign, callsign_prefix as Prefix, registration as Registration, type_code as TypeCode,
                   operator as Operator, origin_country as Country, started_at as StartedAt, ended_at as EndedAt, is_open as IsOpen,
                   duration_min as DurationMin, distance_km as DistanceKm, start_reason as StartReason, end_reason as EndReason
            from bi_flights order by flight_id
            """);

        Assert.Equal(
        [
            new FlightRow("aaa001", "DLH4AB", "DLH", "D-AIAB", "A320", "Lufthansa", "Germany", Time(0), Time(10), false, 10.0m, 111.2m, "first_seen_airborne", "landed"),
            new FlightRow("bbb002", "N123AB", null, null, null, null, "United States", Time(30), null, true, 0.0m, 0.0m, "first_seen_airborne", null),
            new FlightRow("ccc003", "DLH9XY", "DLH", null, null, "Lufthansa", "Germany", Time(60), null, true, 5.0m, 111.2m, "first_seen_airborne", null),
        ], rows);
    }

    [Fact]
    public async Task Traffic_views_count_flights_started_per_utc_hour_and_day()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await ThreeFlightsAsync(db);

        var hourly = await QueryAsync<(DateTime Day, int Hour, long Flights, long Aircraft, decimal DistanceKm)>(db,
            "select day, hour, flights, aircraft, distance_km from bi_traffic_hourly order by day, hour");
        var daily = await QueryAsync<(DateTime Day, long Flights, long Aircraft, decimal DistanceKm, decimal FlightHours)>(db,
            "select day, flights, aircraft, distance_km, flight_hours from bi_traffic_daily order by day");

        Assert.Equal([(Day, 12, 2L, 2L, 111.2m), (Day, 13, 1L, 1L, 111.2m)], hourly);
        Assert.Equal([(Day, 3L, 3L, 222.4m, 0.3m)], daily); // 10 + 0 + 5 minutes
    }

    [Fact]
    public async Task Operator_activity_groups_by_the_three_letter_callsign_prefix_and_country_activity_by_origin_country()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await ThreeFlightsAsync(db);

        var operators = await QueryAsync<(string Code, string? Name, long Flights, long Aircraft, decimal DistanceKm, decimal FlightHours, DateTime First, DateTime Last)>(db,
            "select operator_code, operator_name, flights, aircraft, distance_km, flight_hours, first_flight, last_flight from bi_operator_activity order by 1");
        var countries = await QueryAsync<(string Country, long Flights, long Aircraft, decimal DistanceKm, decimal FlightHours)>(db,
            "select origin_country, flights, aircraft, distance_km, flight_hours from bi_country_activity order by 1");

        // N123AB is a registration, not an airline: it has no operator row.
        Assert.Equal([("DLH", "Lufthansa", 2L, 2L, 222.4m, 0.3m, Time(0), Time(60))], operators);
        Assert.Equal([("Germany", 2L, 2L, 222.4m, 0.3m), ("United States", 1L, 1L, 0.0m, 0.0m)], countries);
    }

    [Fact]
    public async Task The_bi_role_may_read_the_views_but_not_the_tables()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();

        var privileges = await QueryAsync<(bool Views, bool Tables, bool CanLogin)>(db, """
            select bool_and(has_table_privilege('flights_bi', format('%I.%I', current_schema(), v), 'select'))
                       filter (where v like 'bi\_%'),
                   bool_or(has_table_privilege('flights_bi', format('%I.%I', current_schema(), v), 'select'))
                       filter (where v not like 'bi\_%'),
                   (select rolcanlogin from pg_roles where rolname = 'flights_bi')
            from unnest(array['bi_aircraft', 'bi_flights', 'bi_traffic_hourly', 'bi_traffic_daily', 'bi_operator_activity', 'bi_country_activity',
                              'flight_sessions', 'dim_aircrafts', 'live_status', 'pipeline_state', 'aircraft_registry']) v
            """);

        Assert.Equal([(true, false, false)], privileges);
    }

    /// <summary>
    /// aaa001 (DLH4AB, enriched) flies 1 degree north from minute 0 to 5 and lands at minute 10; bbb002
    /// (N123AB, United States) is seen once at minute 30; ccc003 (DLH9XY) flies 1 degree north from minute 60 to 65.
    /// </summary>
    private static async Task ThreeFlightsAsync(TestDatabase db)
    {
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("aaa001", 0, lat: 50, callsign: "DLH4AB"));
        await pipeline.ProcessAsync(At("aaa001", 5, lat: 51, callsign: "DLH4AB"));
        foreach (var minute in new[] { 10, 11, 12 })
        {
            await pipeline.ProcessAsync(At("aaa001", minute, lat: 51, onGround: true, callsign: "DLH4AB"));
        }

        await pipeline.ProcessAsync(Message(Vector("bbb002", 30, callsign: "N123AB") with { OriginCountry = "United States" }));
        await pipeline.ProcessAsync(At("ccc003", 60, lat: 50, callsign: "DLH9XY"));
        await pipeline.ProcessAsync(At("ccc003", 65, lat: 51, callsign: "DLH9XY"));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("update dim_aircrafts set registration = 'D-AIAB', type_code = 'A320', operator = 'Lufthansa' where transponder_hex = 'aaa001'");
        await connection.ExecuteAsync("update dim_aircrafts set operator = 'Lufthansa' where transponder_hex = 'ccc003'");
    }

    private static async Task<List<T>> QueryAsync<T>(TestDatabase db, string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<T>(sql)).ToList();
    }

    private sealed record FlightRow(string Icao24, string? Callsign, string? Prefix, string? Registration, string? TypeCode, string? Operator, string? Country,
        DateTime StartedAt, DateTime? EndedAt, bool IsOpen, decimal DurationMin, decimal DistanceKm, string StartReason, string? EndReason);
}
