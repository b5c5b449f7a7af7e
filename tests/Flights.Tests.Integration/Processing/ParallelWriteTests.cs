using System.Text;
using Dapper;
using Flights.Core.Kafka;
using Flights.Core.OpenSky;
using Flights.Tests.Integration.Infrastructure;
using Flights.Tests.Integration.Rebalancing;

namespace Flights.Tests.Integration.Processing;

/// <summary>
/// A large batch is written by several connections at once, each its own aircraft in its own transaction. The rows
/// must come out exactly as from one writer: flights, routes, live rows, aircraft, emergencies and the clocks.
/// </summary>
public sealed class ParallelWriteTests
{
    [Fact]
    public async Task Recorded_traffic_written_by_three_connections_per_batch_gives_exactly_the_rows_of_one()
    {
        await using var one = await TestPostgres.CreateDatabaseAsync();
        await using var three = await TestPostgres.CreateDatabaseAsync();
        var single = TestPipeline.For(one, RecordedBacklog.Rules, writers: 1);
        var split = TestPipeline.For(three, RecordedBacklog.Rules, writers: 3, minAircraftPerWriter: 1);

        // Batches of 20 snapshots (about 10 minutes of the capture), the closer after each: flights open, get route
        // points, land and go silent across batches, and end by the writer and by the closer.
        long offset = 0;
        foreach (var batch in RecordedBacklog.Capture.Chunk(20))
        {
            var messages = Messages(batch, ref offset);
            var a = await single.ProcessAsync(messages);
            var b = await split.ProcessAsync(messages);
            Assert.Equal(Counts(a.Write), Counts(b.Write));
            Assert.Equal(a.Write.EmergenciesStarted, b.Write.EmergenciesStarted);
            Assert.Equal(a.Write.ImplausiblePositions, b.Write.ImplausiblePositions);
            await single.Closer.CloseAsync(dryRun: false, CancellationToken.None);
            await split.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        }

        await using (var connection = await one.DataSource.OpenConnectionAsync())
        {
            var ended = await connection.ExecuteScalarAsync<long>("select count(*) from flight_sessions where ended_at is not null");
            Assert.True(ended > 50, $"the capture should end many flights, ended {ended}");
        }

        Assert.Equal(await RecordedBacklog.RowsAsync(one), await RecordedBacklog.RowsAsync(three));
        Assert.Equal(await OtherRowsAsync(one), await OtherRowsAsync(three));

        // The split really happened: one batch's live rows were written by more than one transaction.
        Assert.Equal(1L, await MostTransactionsPerSnapshotAsync(one));
        Assert.Equal(3L, await MostTransactionsPerSnapshotAsync(three));
    }

    private static (int, int, int, int, int, int, int, DateTimeOffset?) Counts(Flights.Core.Storage.WriteResult w) =>
        (w.Aircraft, w.StatesApplied, w.StatesIgnored, w.SessionsOpened, w.EndedSignalLost, w.EndedLanded, w.PointsAppended, w.PipelineClock);

    private static IncomingMessage[] Messages(StatesSnapshot[] snapshots, ref long offset)
    {
        var messages = new List<IncomingMessage>();
        foreach (var snapshot in snapshots)
        {
            foreach (var state in snapshot.States)
            {
                messages.Add(new IncomingMessage("flight_raw_data", 0, offset++, Encoding.UTF8.GetBytes(state.Icao24), StateMessage.Serialize(state, snapshot.Time)));
            }
        }

        return [.. messages];
    }

    // Aircraft master data, emergency periods and both clocks, without surrogate keys.
    private static async Task<List<string>> OtherRowsAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("""
            select 'aircraft ' || (to_jsonb(d) - 'aircraft_id')::text from dim_aircrafts d
            union all
            select 'emergency ' || d.transponder_hex || ' flight started ' || coalesce(s.started_at::text, 'none') || ' '
                   || (to_jsonb(e) - 'aircraft_id' - 'session_id' - 'event_id')::text
            from emergency_events e join dim_aircrafts d using (aircraft_id) left join flight_sessions s using (session_id)
            union all
            select 'pipeline ' || to_jsonb(p)::text from pipeline_state p
            union all
            select 'partition ' || to_jsonb(c)::text from partition_clocks c
            order by 1
            """)).ToList();
    }

    // The live rows of the last batch (the newest snapshot time) come from this many transactions.
    private static async Task<long> MostTransactionsPerSnapshotAsync(TestDatabase db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            select count(distinct xmin::text) from live_status
            where snapshot_time = (select max(snapshot_time) from live_status)
            """);
    }
}
