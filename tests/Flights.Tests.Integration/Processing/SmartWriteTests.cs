using Flights.Core.Monitoring;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Processing;

public sealed class SmartWriteTests
{
    [Fact]
    public async Task First_sight_creates_the_aircraft_its_live_row_and_an_open_session_with_one_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);

        var result = await pipeline.ProcessAsync(At("abc123", 0, lat: 50.1, lon: 8.6, callsign: "DLH4AB"));

        Assert.Equal(1, result.Write.StatesApplied);
        Assert.Equal(1, result.Write.SessionsOpened);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(Time(0), session.StartedAt);
        Assert.Null(session.EndedAt);
        Assert.Equal(SessionReasons.FirstSeenAirborne, session.StartReason);
        Assert.Equal("DLH4AB", session.Callsign);
        Assert.Equal([Time(0)], session.PointTimes);
        Assert.Equal(1, session.StateCount);
        var live = await pipeline.LiveAsync("abc123");
        Assert.NotNull(live);
        Assert.Equal(50.1, live.Latitude);
        Assert.Equal(8.6, live.Longitude);
        Assert.Equal(230 * 3.6, live.VelocityKmh!.Value, 9);
        Assert.Equal(Time(0), live.LastContact);
        Assert.Equal(1L, await pipeline.ScalarAsync<long>("select count(*) from dim_aircrafts where transponder_hex = 'abc123' and last_callsign = 'DLH4AB' and origin_country = 'Germany'"));
        Assert.Equal(Time(0), await pipeline.ScalarAsync<DateTime>("select pipeline_clock from pipeline_state"));
    }

    [Fact]
    public async Task Four_minutes_later_adds_no_route_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);

        await pipeline.ProcessAsync(At("abc123", 0));
        await pipeline.ProcessAsync(At("abc123", 4, lat: 50.5));

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal([Time(0)], session.PointTimes);
        Assert.Equal(Time(4), session.LastSignalAt);
        Assert.Equal(2, session.StateCount);
        Assert.Equal(50.5, (await pipeline.LiveAsync("abc123"))!.Latitude);
    }

    [Fact]
    public async Task Five_minutes_later_adds_a_route_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);

        await pipeline.ProcessAsync(At("abc123", 0));
        await pipeline.ProcessAsync(At("abc123", 4));
        await pipeline.ProcessAsync(At("abc123", 5));

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal([Time(0), Time(5)], session.PointTimes);
        Assert.Equal(2, session.PointCount);
        Assert.Equal(Time(5), session.LastPointAt);
    }

    [Fact]
    public async Task Twelve_states_of_one_aircraft_over_eleven_minutes_in_one_batch_give_points_at_0_5_and_10()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var batch = Enumerable.Range(0, 12).Select(m => At("abc123", m, lat: 50 + m * 0.01)).ToArray();

        await pipeline.ProcessAsync(batch);

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal([Time(0), Time(5), Time(10)], session.PointTimes);
        Assert.Equal(12, session.StateCount);
        Assert.Equal(Time(11), session.LastSignalAt);
        Assert.Equal(60, session.MaxGapSeconds);
        Assert.Equal(50.11, (await pipeline.LiveAsync("abc123"))!.Latitude!.Value, 9);
    }

    [Fact]
    public async Task A_duplicate_batch_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var batch = Enumerable.Range(0, 12).Select(m => At(m % 2 == 0 ? "abc123" : "def456", m)).ToArray();
        await pipeline.ProcessAsync(batch);
        var before = await pipeline.DumpAsync();

        var again = await pipeline.ProcessAsync(batch);
        var prefix = await pipeline.ProcessAsync(batch[..5]);

        Assert.Equal(before, await pipeline.DumpAsync());
        Assert.Equal(0, again.Write.StatesApplied);
        Assert.Equal(12, again.Write.StatesIgnored);
        Assert.Equal(0, prefix.Write.StatesApplied);
    }

    [Fact]
    public async Task A_batch_in_reverse_order_gives_the_same_rows_as_in_time_order()
    {
        await using var forwardDb = await TestPostgres.CreateDatabaseAsync();
        await using var reverseDb = await TestPostgres.CreateDatabaseAsync();
        var states = Enumerable.Range(0, 12).Select(m => Vector("abc123", m, lat: 50 + m * 0.01)).ToArray();
        var forward = TestPipeline.For(forwardDb);
        var reverse = TestPipeline.For(reverseDb);

        await forward.ProcessAsync(states.Select(s => Message(s)).ToArray());
        await reverse.ProcessAsync(states.Reverse().Select(s => Message(s)).ToArray());
        await reverse.ProcessAsync(states.Reverse().Select(s => Message(s)).ToArray());

        Assert.Equal(await forward.DumpAsync(), await reverse.DumpAsync());
    }

    [Fact]
    public async Task Two_reports_of_one_position_time_keep_the_first_whether_batched_together_or_apart()
    {
        // OpenSky's position time has whole seconds: two states can carry the same position time with different
        // coordinates. The live row keeps the first one in both cases, so the rows never depend on batching.
        await using var togetherDb = await TestPostgres.CreateDatabaseAsync();
        await using var apartDb = await TestPostgres.CreateDatabaseAsync();
        var first = Vector("abc123", 0, lat: 50.0);
        var second = Vector("abc123", 0.5, lat: 50.1) with { TimePosition = first.TimePosition };
        var together = TestPipeline.For(togetherDb);
        var apart = TestPipeline.For(apartDb);

        await together.ProcessAsync(Message(first), Message(second));
        await apart.ProcessAsync(Message(first));
        await apart.ProcessAsync(Message(second));

        var live = await together.LiveAsync("abc123");
        Assert.Equal(50.0, live!.Latitude);
        Assert.Equal(Time(0.5), live.LastContact);
        Assert.Equal(await together.DumpAsync(), await apart.DumpAsync());
    }

    [Fact]
    public async Task A_state_25_minutes_after_the_last_signal_ends_the_session_as_signal_lost_and_opens_a_new_one()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0, lat: 50.0), At("abc123", 2, lat: 50.2));

        var result = await pipeline.ProcessAsync(At("abc123", 27, lat: 51.0));

        Assert.Equal(1, result.Write.EndedSignalLost);
        Assert.Equal(1, result.Write.SessionsOpened);
        var sessions = await pipeline.SessionsAsync("abc123");
        Assert.Equal(2, sessions.Count);
        Assert.Equal(Time(2), sessions[0].EndedAt);
        Assert.Equal(SessionReasons.SignalLost, sessions[0].EndReason);
        Assert.Equal([Time(0), Time(2)], sessions[0].PointTimes); // the last known position is the final point
        Assert.Equal(Time(27), sessions[1].StartedAt);
        Assert.Null(sessions[1].EndedAt);
        Assert.Equal([Time(27)], sessions[1].PointTimes);
    }

    [Fact]
    public async Task Positionless_states_count_as_signal_but_make_no_position_or_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);

        await pipeline.ProcessAsync(At("abc123", 0, lat: null, lon: null));
        var afterFirst = await pipeline.LiveAsync("abc123");
        await pipeline.ProcessAsync(At("abc123", 1, lat: 50.3, lon: 8.3));
        await pipeline.ProcessAsync(At("abc123", 7, lat: null, lon: null));

        Assert.NotNull(afterFirst);
        Assert.Null(afterFirst.Latitude);
        Assert.Null(afterFirst.PositionTime);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(Time(0), session.StartedAt);
        Assert.Equal([Time(1)], session.PointTimes);
        Assert.Equal(Time(7), session.LastSignalAt);
        var live = await pipeline.LiveAsync("abc123");
        Assert.Equal(Time(7), live!.LastContact);
        Assert.Equal(Time(1), live.PositionTime); // the newest position is kept
        Assert.Equal(50.3, live.Latitude);
    }

    [Fact]
    public async Task Invalid_states_are_counted_by_reason_and_not_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var future = Vector("abc124", 0) with { LastContact = BaseTime + 600 };

        var result = await pipeline.ProcessAsync(
            At("xyz123", 0),
            At("abc12", 0),
            At("abc123", 0, lat: 91, lon: 8),
            Message(future, snapshotTime: BaseTime),
            At("ABC125", 0));

        Assert.Equal(2, result.Rejected[RejectReason.InvalidIcao24]);
        Assert.Equal(1, result.Rejected[RejectReason.PositionOutOfRange]);
        Assert.Equal(1, result.Rejected[RejectReason.TimeAheadOfSnapshot]);
        Assert.Equal(1, result.Write.StatesApplied);
        Assert.Equal(1L, await pipeline.ScalarAsync<long>("select count(*) from dim_aircrafts"));
        Assert.Equal("abc125", await pipeline.ScalarAsync<string>("select transponder_hex from dim_aircrafts"));
    }

    [Fact]
    public async Task A_state_older_than_the_stored_one_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 10, lat: 51));
        var before = await pipeline.DumpAsync();

        var result = await pipeline.ProcessAsync(At("abc123", 3, lat: 40));

        Assert.Equal(0, result.Write.StatesApplied);
        Assert.Equal(before.Replace("\"first_seen\": \"2026-01-01T12:10:00+00:00\"", "\"first_seen\": \"2026-01-01T12:03:00+00:00\""), await pipeline.DumpAsync());
        Assert.Equal(51, (await pipeline.LiveAsync("abc123"))!.Latitude);
    }
}
