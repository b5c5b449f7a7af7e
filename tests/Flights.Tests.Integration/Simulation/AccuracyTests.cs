using System.Text.Json;
using Dapper;
using Flights.Core.Simulation;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Simulation;

/// <summary>
/// A simulated day through the whole pipeline (the real `flights` process, embedded Kafka, real PostgreSQL),
/// compared with the simulator's truth. 20 aircraft at 30 s resolution keep it to about 2,900 snapshots. One in
/// 500 states is spoofed (its position jumps 300-900 km): the flights come out as they do without spoofing.
/// </summary>
public sealed class AccuracyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_simulated_day_with_spoofed_jumps_replayed_through_the_pipeline_finds_every_clean_leg_from_takeoff_to_touchdown_and_its_airports()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var folder = Directory.CreateTempSubdirectory("flights-accuracy-");
        try
        {
            var truthFile = Path.Combine(folder.FullName, "truth.json");
            var (exit, output, error) = await FlightsProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Flights"] = db.ConnectionString, ["Airports__LoadBuiltIn"] = "true" }, Timeout,
                "simulate", "--aircraft", "20", "--hours", "24", "--resolution", "30", "--seed", "7", "--spoof-rate", "0.002", "--evaluate", "--truth", truthFile);

            Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
            SimulationTruth truth;
            await using (var stream = File.OpenRead(truthFile))
            {
                truth = SimulationTruth.ReadJson(stream);
            }

            // The test's own comparison of the stored rows with the truth file, independent of the command's.
            await using var connection = await db.DataSource.OpenConnectionAsync();
            var flights = (await connection.QueryAsync<StoredFlight>("""
                select d.transponder_hex as Icao24, extract(epoch from s.started_at)::bigint as StartedAt,
                       extract(epoch from s.ended_at)::bigint as EndedAt, s.start_reason as StartReason, s.end_reason as EndReason,
                       s.departure_airport as DepartureAirport, s.arrival_airport as ArrivalAirport
                from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
                """)).ToList();
            var report = AccuracyEvaluator.Evaluate(truth.Legs, flights, truth.Start, truth.LastSnapshot, TimeSpan.FromSeconds(truth.ResolutionSeconds), TimeSpan.FromMinutes(20));

            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), truth.Start);
            Assert.Equal(new AccuracyReport(Legs: 73, CleanLegs: 70, LegsFound: 73, StartsWithin: 73, EndsWithin: 71, EndedLanded: 71, SplitLegs: 1, Exact: 70, CleanExact: 70,
                LostBeforeLanding: 2, LostBeforeLandingSignalLost: 2, Flights: 74, FlightsWithoutLeg: 0), report);
            var airports = AccuracyEvaluator.EvaluateAirports(truth.Legs, flights, truth.Start, truth.LastSnapshot, TimeSpan.FromMinutes(20));
            Assert.Equal(new AirportAccuracyReport(Legs: 73, DeparturesGiven: 72, DeparturesRight: 72, ArrivalsGiven: 72, ArrivalsRight: 71), airports);
            var printed = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal((airports.DeparturesRight, Math.Round(airports.DeparturePrecision, 4), Math.Round(airports.DepartureRecall, 4), Math.Round(airports.ArrivalPrecision, 4), Math.Round(airports.ArrivalRecall, 4)),
                (printed.GetProperty("departures_right").GetInt32(), printed.GetProperty("departure_precision").GetDouble(), printed.GetProperty("departure_recall").GetDouble(),
                 printed.GetProperty("arrival_precision").GetDouble(), printed.GetProperty("arrival_recall").GetDouble()));
            // Every spoofed position sent was refused as implausible, and none of them split or ended a flight (the figures above are those of the day without spoofing).
            Assert.Equal((74, 74), (printed.GetProperty("spoofed_states").GetInt64(), printed.GetProperty("implausible_positions").GetInt64()));
            Assert.Equal((report.Exact, report.Flights, Math.Round(report.Precision, 4), Math.Round(report.Recall, 4)),
                (printed.GetProperty("exact").GetInt32(), printed.GetProperty("flights").GetInt32(), printed.GetProperty("precision").GetDouble(), printed.GetProperty("recall").GetDouble()));

            // Every stored flight of a clean leg starts at the first airborne snapshot and ends at the first ground one.
            var step = truth.ResolutionSeconds;
            foreach (var leg in truth.Legs.Where(l => l.Takeoff > truth.Start && l.TransponderOff + 1200 <= truth.LastSnapshot && l.SignalLostAt is null && l.Gaps.All(g => g.Seconds <= 1200)))
            {
                var flight = Assert.Single(flights, f => f.Icao24 == leg.Icao24 && f.StartedAt >= leg.TransponderOn && f.StartedAt < leg.TransponderOff);
                Assert.Equal(((leg.Takeoff - truth.Start + step - 1) / step * step + truth.Start, "takeoff"), (flight.StartedAt, flight.StartReason));
                Assert.Equal(((leg.Landing - truth.Start + step - 1) / step * step + truth.Start, "landed"), (flight.EndedAt!.Value, flight.EndReason));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
