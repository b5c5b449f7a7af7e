using System.Text;
using Dapper;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Core.Processing;
using Flights.Tests.Integration.Infrastructure;
using Flights.Tests.Integration.Rebalancing;

namespace Flights.Tests.Integration.Sessions;

/// <summary>Rows never depend on where batches split: summary columns accumulate exactly and are rounded only for display.</summary>
public sealed class BatchingTests
{
    [Fact]
    public async Task A_flights_distance_and_summary_columns_are_exactly_equal_for_two_different_batchings()
    {
        var capture = RecordedBacklog.Capture;
        await using var bySnapshot = await TestPostgres.CreateDatabaseAsync();
        await using var allAtOnce = await TestPostgres.CreateDatabaseAsync();

        await ProcessAsync(bySnapshot, capture.Chunk(1));
        await ProcessAsync(allAtOnce, [capture.ToArray()]); // every route point of a flight in one batch

        var one = await DistancesAsync(bySnapshot);
        var all = await DistancesAsync(allAtOnce);
        Assert.True(one.Count(d => d.DistanceKm > 10) > 50, "the capture should give many flights longer than 10 km");
        Assert.Equal(one, all); // exact double equality, flight by flight
        Assert.Equal(await RecordedBacklog.RowsAsync(bySnapshot), await RecordedBacklog.RowsAsync(allAtOnce));
    }

    private static async Task ProcessAsync(TestDatabase db, IEnumerable<StatesSnapshot[]> batches)
    {
        var pipeline = TestPipeline.For(db);
        long offset = 0;
        foreach (var batch in batches)
        {
            var messages = batch.SelectMany(s => s.States.Select(state =>
                new IncomingMessage("flight_raw_data", 0, offset++, Encoding.UTF8.GetBytes(state.Icao24), StateMessage.Serialize(state, s.Time)))).ToArray();
            await pipeline.ProcessWithoutMarkerAsync(messages);
        }
    }

    private static async Task<List<(string Icao24, DateTime StartedAt, double DistanceKm)>> DistancesAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, DateTime, double)>("""
            select d.transponder_hex, s.started_at, s.distance_km
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            order by 1, 2
            """)).ToList();
    }
}
