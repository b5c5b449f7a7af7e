using Dapper;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Sessions;

public sealed class LifecycleTests
{
    [Fact]
    public async Task A_flight_silent_for_19_minutes_stays_open()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 1, lat: 50.1));
        await pipeline.ProcessAsync(At("fff000", 20)); // another aircraft moves the pipeline clock to minute 20

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Empty(result.Sessions);
        Assert.Null(Assert.Single(await pipeline.SessionsAsync("abc123")).EndedAt);
        Assert.NotNull(await pipeline.LiveAsync("abc123"));
    }

    [Fact]
    public async Task A_flight_silent_for_21_minutes_ends_as_signal_lost_at_its_last_signal_with_the_last_position_as_final_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 3, lat: 50.3));
        await pipeline.ProcessAsync(At("fff000", 24));

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        var closed = Assert.Single(result.Sessions);
        Assert.Equal(("abc123", SessionReasons.SignalLost), (closed.Icao24, closed.Reason));
        Assert.Equal(Time(24), result.PipelineClock!.Value.UtcDateTime);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(Time(3), session.EndedAt);
        Assert.Equal(SessionReasons.SignalLost, session.EndReason);
        Assert.Equal([Time(0), Time(3)], session.PointTimes);
        Assert.Null(await pipeline.LiveAsync("abc123"));
        Assert.NotNull(await pipeline.LiveAsync("fff000"));
        Assert.Equal(1, result.LiveRowsRemoved);
    }

    [Fact]
    public async Task The_wall_clock_far_ahead_of_the_data_ends_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        // The data is from 2026-01-01; the wall clock is much later. Only the pipeline clock counts.
        await pipeline.ProcessAsync(At("abc123", 0), At("def456", 1));

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Empty(result.Sessions);
        Assert.Equal(0, result.LiveRowsRemoved);
        Assert.Equal(2L, await pipeline.ScalarAsync<long>("select count(*) from flight_sessions where ended_at is null"));
    }

    [Fact]
    public async Task A_landing_ends_the_flight_at_touchdown_with_the_touchdown_position_as_final_point()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 6), At("abc123", 9));

        var result = await pipeline.ProcessAsync(
            At("abc123", 10, lat: 50.05, onGround: true),
            At("abc123", 11, lat: 50.04, onGround: true),
            At("abc123", 12, lat: 50.03, onGround: true));

        Assert.Equal(1, result.Write.EndedLanded);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(SessionReasons.Landed, session.EndReason);
        Assert.Equal(Time(10), session.EndedAt);
        Assert.Equal([Time(0), Time(6), Time(10)], session.PointTimes);
        var live = await pipeline.LiveAsync("abc123");
        Assert.True(live!.OnGround);
        Assert.Equal(Time(12), live.LastContact);
    }

    [Fact]
    public async Task The_closer_ends_a_flight_as_landed_when_ground_states_stopped_arriving()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 5), At("abc123", 8, lat: 50.2, onGround: true));
        await pipeline.ProcessAsync(At("fff000", 11)); // clock three minutes after touchdown; the transponder went quiet

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(SessionReasons.Landed, Assert.Single(result.Sessions).Reason);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(Time(8), session.EndedAt);
        Assert.Equal([Time(0), Time(5), Time(8)], session.PointTimes);
        Assert.NotNull(await pipeline.LiveAsync("abc123")); // silent for 3 minutes only: still in the live view
    }

    [Fact]
    public async Task An_aircraft_parked_for_an_hour_opens_no_flight_and_stays_in_the_live_view()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        for (var minute = 0; minute <= 60; minute += 5)
        {
            await pipeline.ProcessAsync(At("abc123", minute, onGround: true));
            await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        }

        Assert.Empty(await pipeline.SessionsAsync("abc123"));
        var live = await pipeline.LiveAsync("abc123");
        Assert.Equal(Time(60), live!.LastContact);
        Assert.True(live.OnGround);
    }

    [Fact]
    public async Task Taking_off_after_a_landing_opens_a_new_flight_that_began_with_takeoff()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("abc123", 10, onGround: true), At("abc123", 13, onGround: true));
        await pipeline.ProcessAsync(At("abc123", 40, onGround: true), At("abc123", 45, onGround: true));

        await pipeline.ProcessAsync(At("abc123", 47, lat: 50.5));

        var sessions = await pipeline.SessionsAsync("abc123");
        Assert.Equal(2, sessions.Count);
        Assert.Equal((SessionReasons.FirstSeenAirborne, SessionReasons.Landed, Time(10)), (sessions[0].StartReason, sessions[0].EndReason, sessions[0].EndedAt));
        Assert.Equal((SessionReasons.Takeoff, Time(47), (DateTime?)null), (sessions[1].StartReason, sessions[1].StartedAt, sessions[1].EndedAt));
    }

    [Fact]
    public async Task With_landing_detection_off_any_state_opens_a_flight()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db, new SessionOptions { LandingDetection = false });

        await pipeline.ProcessAsync(At("abc123", 0, onGround: true), At("abc123", 5, onGround: true));

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal(SessionReasons.FirstSeenOnGround, session.StartReason);
        Assert.Null(session.EndedAt);
    }

    [Fact]
    public async Task Running_the_closer_twice_changes_nothing_the_second_time()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0), At("def456", 0, onGround: true), At("aaa111", 2, onGround: false));
        await pipeline.ProcessAsync(At("fff000", 30));
        var first = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        var after = await pipeline.DumpAsync();

        var second = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(2, first.SignalLost);
        Assert.Equal(3, first.LiveRowsRemoved);
        Assert.Empty(second.Sessions);
        Assert.Equal(0, second.LiveRowsRemoved);
        Assert.Equal(after, await pipeline.DumpAsync());
    }

    [Fact]
    public async Task A_dry_run_lists_what_would_end_and_changes_nothing()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0));
        await pipeline.ProcessAsync(At("fff000", 30));
        var before = await pipeline.DumpAsync();

        var result = await pipeline.Closer.CloseAsync(dryRun: true, CancellationToken.None);

        Assert.Equal(("abc123", SessionReasons.SignalLost), (Assert.Single(result.Sessions).Icao24, result.Sessions[0].Reason));
        Assert.Equal(before, await pipeline.DumpAsync());
    }

    [Fact]
    public async Task The_closer_skips_an_aircraft_the_processor_holds_and_the_fresh_state_keeps_its_session_open()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 4));
        await pipeline.ProcessAsync(At("fff000", 25)); // abc123 is 21 minutes silent on the pipeline clock

        // A processor batch for abc123 is in flight: it holds the aircraft's row.
        await using var held = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await held.BeginTransactionAsync();
        await held.ExecuteAsync("select 1 from dim_aircrafts where transponder_hex = 'abc123' for update", transaction: transaction);
        var whileHeld = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await transaction.RollbackAsync();

        // The delayed state arrives (one minute after the last one); the closer runs again.
        await pipeline.ProcessAsync(At("abc123", 5));
        var afterwards = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Empty(whileHeld.Sessions);
        Assert.Empty(afterwards.Sessions);
        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Null(session.EndedAt);
        Assert.Equal(Time(5), session.LastSignalAt);
    }

    [Fact]
    public async Task Two_batches_of_disjoint_aircraft_and_the_closer_run_together_without_deadlock_or_lost_update()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        var stale = Enumerable.Range(0, 300).Select(i => At($"a{i:x5}", 0)).ToArray();
        await pipeline.ProcessAsync(stale);
        var left = Enumerable.Range(0, 500).Select(i => At($"b{i:x5}", 30)).ToArray();
        var right = Enumerable.Range(0, 500).Select(i => At($"c{i:x5}", 30)).ToArray();
        await pipeline.ProcessAsync(At("fff000", 30));

        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(
                Task.Run(() => pipeline.ProcessAsync(left)),
                Task.Run(() => pipeline.ProcessAsync(right)),
                Task.Run(() => pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal(1001L, await pipeline.ScalarAsync<long>("select count(*) from flight_sessions where ended_at is null"));
        Assert.Equal(300L, await pipeline.ScalarAsync<long>("select count(*) from flight_sessions where end_reason = 'signal_lost'"));
        Assert.Equal(1001L, await pipeline.ScalarAsync<long>("select count(*) from live_status"));
    }

    [Fact]
    public async Task A_batch_that_waited_for_another_batch_of_the_same_aircraft_builds_on_what_that_batch_wrote()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0, lat: 50.0));

        // Hold the aircraft so that both batches queue for it: the first in line writes minute 5, the second
        // (already waiting while the first commits) must see that write, not the session as it was before.
        await using var held = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await held.BeginTransactionAsync();
        await held.ExecuteAsync("select 1 from dim_aircrafts where transponder_hex = 'abc123' for update", transaction: transaction);
        var first = Task.Run(() => pipeline.ProcessAsync(At("abc123", 5, lat: 50.5)));
        await WaitForLockWaitersAsync(db.Schema, 1);
        var second = Task.Run(() => pipeline.ProcessAsync(At("abc123", 10, lat: 51.0)));
        await WaitForLockWaitersAsync(db.Schema, 2);
        await transaction.RollbackAsync();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));

        var session = Assert.Single(await pipeline.SessionsAsync("abc123"));
        Assert.Equal([Time(0), Time(5), Time(10)], session.PointTimes);
        Assert.Equal(3, session.PointCount);
        Assert.Equal(3, session.StateCount);
        Assert.Equal(Time(10), session.LastSignalAt);
    }

    private static async Task WaitForLockWaitersAsync(string applicationName, int count)
    {
        await using var admin = TestPostgres.Admin();
        await using var monitor = await admin.OpenConnectionAsync();
        var waiting = 0;
        for (var attempt = 0; attempt < 200 && waiting < count; attempt++)
        {
            await Task.Delay(50);
            waiting = await monitor.ExecuteScalarAsync<int>("select count(*) from pg_stat_activity where application_name = @app and wait_event_type = 'Lock'", new { app = applicationName });
        }

        Assert.Equal(count, waiting);
    }
}
