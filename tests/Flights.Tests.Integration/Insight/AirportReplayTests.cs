using Dapper;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Insight;

/// <summary>The airport rules on real data: `flights replay` of the DC capture with the area's airports loaded.</summary>
public sealed class AirportReplayTests
{
    [Fact]
    public async Task The_six_landings_of_the_DC_capture_arrive_at_Reagan_National_and_Dulles_by_touchdown()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestAirports.LoadAsync(db);

        var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString },
            TimeSpan.FromMinutes(3), "replay", Recordings.Path("dcmetro-20230318-capture.zip"), "--speed", "max");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var landed = (await connection.QueryAsync<(string Icao24, string? Callsign, string? Airport, string? Method, string? Reason)>("""
            select d.transponder_hex, s.callsign, s.arrival_airport, s.arrival_method, s.arrival_unknown_reason
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            where s.end_reason = 'landed' order by d.transponder_hex
            """)).ToList();
        Assert.Equal(
            [
                ("a1ed5f", "ENY3382", "KDCA", "touchdown", null),
                ("a1ff90", "RPA5677", "KIAD", "touchdown", null),
                ("a4493f", "UAL2398", "KIAD", "touchdown", null),
                ("a4d621", "SWA250", "KDCA", "touchdown", null),
                ("a677be", "JIA5391", "KDCA", "touchdown", null),
                ("aa7a3c", "SWA1174", "KDCA", "touchdown", null),
            ],
            landed);

        // Both of the capture's landings at Dulles and Reagan that were first seen on final approach get no departure:
        // they were descending, so the airport below them is where they were going.
        var approaches = await connection.QueryAsync<(string Icao24, string? Airport, string? Reason)>("""
            select d.transponder_hex, s.departure_airport, s.departure_unknown_reason
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            where d.transponder_hex in ('a1ff90', 'a677be') order by 1
            """);
        Assert.Equal([("a1ff90", null, "descending"), ("a677be", null, "descending")], approaches);

        // Every flight that began with a takeoff in the capture left from Reagan National or Dulles.
        var takeoffs = await connection.QueryAsync<(string? Airport, string? Method, long Flights)>("""
            select departure_airport, departure_method, count(*) from flight_sessions where start_reason = 'takeoff'
            group by 1, 2 order by 1 nulls last
            """);
        Assert.Equal([("KDCA", "takeoff", 4L), ("KIAD", "takeoff", 1L), (null, null, 1L)], takeoffs);
    }
}
