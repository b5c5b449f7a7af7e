using Flights.Core.OpenSky;
using Flights.Core.Sessions;
using Flights.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Flights.Tests.Integration.Rebalancing;

/// <summary>
/// The recorded DC capture as a Kafka backlog, drained by a consumer group whose members come and go as KEDA
/// and node failures make them, with the closer running every second: the warehouse must end up exactly as
/// after one uninterrupted run. The closer judges silence on the lifecycle (safe) clock, the oldest partition's
/// snapshot marker; on the newest snapshot seen it ended flights whose states were still waiting in Kafka.
/// </summary>
public sealed class ConsumerGroupDrainTests(ITestOutputHelper output)
{
    private const int Partitions = 6;

    [Fact]
    public async Task A_backlog_drained_while_members_join_leave_and_are_killed_with_the_closer_running_every_second_ends_as_one_uninterrupted_run()
    {
        var topic = await RecordedBacklog.PublishAsync(RecordedBacklog.Capture, Partitions);
        var endOffsets = RecordedBacklog.EndOffsets(topic, Partitions);
        var total = endOffsets.Values.Sum();
        var expected = await UninterruptedRunAsync(topic, endOffsets);

        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db, RecordedBacklog.Rules);
        var group = "group-" + Guid.NewGuid().ToString("N")[..8];
        long processed = 0;
        void Count(int messages) => Interlocked.Add(ref processed, messages);
        using var stopCloser = new CancellationTokenSource();
        var closer = Task.Run(() => RecordedBacklog.CloseEverySecondAsync(pipeline.Closer, stopCloser.Token));
        var members = new List<GroupMember>();
        GroupMember JoinAs(string name)
        {
            var member = GroupMember.Join(name, topic, group, pipeline.Processor, Count);
            members.Add(member);
            return member;
        }

        // Each step waits for a share of the backlog, and for the member that joined last to have written a batch
        // (it got partitions in a rebalance), so that every membership change happens mid-backlog.
        async Task WhenProcessedAsync(double share, GroupMember? joined = null)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (Interlocked.Read(ref processed) < share * total || joined is { Batches: 0 })
            {
                Assert.True(DateTime.UtcNow < deadline, $"only {Interlocked.Read(ref processed)} of {total} messages processed; waiting for {share:P0}{(joined is null ? "" : $" and a batch of {joined.Name}")}");
                Assert.All(members, m => Assert.Null(m.Failure));
                await Task.Delay(20);
            }
        }

        var a = JoinAs("a");
        await WhenProcessedAsync(0.10, a);
        var b = JoinAs("b");
        await WhenProcessedAsync(0.20, b);
        var c = JoinAs("c");
        await WhenProcessedAsync(0.30, c);
        await b.LeaveAsync(); // graceful: commits and leaves, the group rebalances at once
        await WhenProcessedAsync(0.40);
        await c.KillAsync(); // abrupt: its last batch is written but not committed; its partitions wait for the session timeout
        await WhenProcessedAsync(0.50);
        var d = JoinAs("d");
        await WhenProcessedAsync(0.50, d);
        await RecordedBacklog.WaitUntilCommittedAsync(topic, group, endOffsets, () => string.Join(", ", members.Select(m => $"{m.Name}: {m.Batches} batches {m.Failure?.Message}")));
        await stopCloser.CancelAsync();
        var closerRuns = await closer;
        await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None); // the final run, as at the end of a replay
        await a.LeaveAsync();
        await d.LeaveAsync();

        Assert.All(members, m => Assert.Null(m.Failure));
        Assert.All(members, m => Assert.True(m.Batches > 0, $"member {m.Name} wrote no batch"));
        Assert.True(Interlocked.Read(ref processed) > total, "no message was read twice: the killed member's uncommitted batch should have been read again");
        var stored = await RecordedBacklog.RowsAsync(db);
        output.WriteLine($"flights expected {Flights(expected)}, stored {Flights(stored)}; live rows expected {Live(expected)}, stored {Live(stored)}; " +
            $"{total} messages, {Interlocked.Read(ref processed)} processed (re-read after rebalances and the kill), closer ran {closerRuns} times while draining");
        foreach (var row in expected.Except(stored))
        {
            output.WriteLine("expected only: " + row);
        }

        foreach (var row in stored.Except(expected))
        {
            output.WriteLine("stored only:   " + row);
        }

        Assert.Equal(expected, stored);
    }

    [Fact]
    public async Task A_backlog_with_one_partition_held_back_while_the_rest_drain_and_the_closer_runs_ends_as_one_uninterrupted_run()
    {
        var topic = await RecordedBacklog.PublishAsync(RecordedBacklog.Capture, Partitions);
        var endOffsets = RecordedBacklog.EndOffsets(topic, Partitions);
        var expected = await UninterruptedRunAsync(topic, endOffsets);

        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db, RecordedBacklog.Rules);
        var group = "group-" + Guid.NewGuid().ToString("N")[..8];
        const int Held = 0;
        await using var a = GroupMember.Join("a", topic, group, pipeline.Processor, _ => { });
        await using var b = GroupMember.Join("b", topic, group, pipeline.Processor, _ => { });

        // Partition 0 is held back once part of it is written, so that it has open flights whose later states wait
        // in Kafka; whichever member owns it keeps it paused. Everything else drains to its end meanwhile.
        await RecordedBacklog.WaitUntilCommittedAsync(topic, group, new Dictionary<int, long> { [Held] = endOffsets[Held] * 3 / 10 }, () => "partition 0 not started");
        a.HoldBack(Held);
        b.HoldBack(Held);
        var others = endOffsets.Where(e => e.Key != Held).ToDictionary();
        await RecordedBacklog.WaitUntilCommittedAsync(topic, group, others, () => $"a: {a.Batches} batches, b: {b.Batches} batches");
        var newestWhileHeld = (await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None)).NewestClock;
        Flights.Core.Processing.CloseResult whileHeld;
        using (var stopCloser = new CancellationTokenSource())
        {
            var closer = Task.Run(() => RecordedBacklog.CloseEverySecondAsync(pipeline.Closer, stopCloser.Token));
            await Task.Delay(TimeSpan.FromSeconds(3));
            whileHeld = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
            a.LetGo();
            b.LetGo();
            await RecordedBacklog.WaitUntilCommittedAsync(topic, group, endOffsets, () => $"a: {a.Batches} batches, b: {b.Batches} batches");
            await stopCloser.CancelAsync();
            await closer;
        }

        await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        Assert.Null(a.Failure);
        Assert.Null(b.Failure);
        Assert.Equal(RecordedBacklog.Capture[^1].Time, newestWhileHeld!.Value.ToUnixTimeSeconds()); // the other partitions had reached the end
        var stored = await RecordedBacklog.RowsAsync(db);
        output.WriteLine($"flights expected {Flights(expected)}, stored {Flights(stored)}; live rows expected {Live(expected)}, stored {Live(stored)}; " +
            $"while held: lifecycle clock {whileHeld.PipelineClock:u}, newest {whileHeld.NewestClock:u}");
        Assert.Equal(expected, stored);
        Assert.True(whileHeld.PipelineClock is null || whileHeld.PipelineClock < whileHeld.NewestClock, "the held partition did not hold the lifecycle clock back");
    }

    [Fact]
    public async Task A_bounding_box_whose_aircraft_hash_to_only_some_partitions_still_ends_its_flights()
    {
        // Two real flights of the capture, as a box around them alone would receive them: the states of the other
        // aircraft are left out, and the later snapshots hold no state at all once both have left.
        string[] box = ["a68caa", "abfac6"];
        var snapshots = RecordedBacklog.Capture.Select(s => new StatesSnapshot(s.Time, s.States.Where(v => box.Contains(v.Icao24)).ToArray())).ToList();
        var topic = await RecordedBacklog.PublishAsync(snapshots, Partitions);
        var endOffsets = RecordedBacklog.EndOffsets(topic, Partitions);
        Assert.True(endOffsets.Count(e => e.Value == snapshots.Count) >= Partitions - 2, "the box's aircraft should reach at most two partitions; the others carry only the markers");

        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db, RecordedBacklog.Rules);
        var group = "group-" + Guid.NewGuid().ToString("N")[..8];
        await using (var member = GroupMember.Join("a", topic, group, pipeline.Processor, _ => { }))
        {
            await RecordedBacklog.WaitUntilCommittedAsync(topic, group, endOffsets, () => $"{member.Batches} batches");
            Assert.Null(member.Failure);
        }

        var result = await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(RecordedBacklog.Capture[^1].Time, result.PipelineClock!.Value.ToUnixTimeSeconds());
        Assert.Equal(["a68caa", "abfac6"], result.Sessions.Select(s => s.Icao24).Order());
        var a68caa = Assert.Single(await pipeline.SessionsAsync("a68caa"));
        Assert.Equal((Utc("18:23:45"), SessionReasons.FirstSeenAirborne, Utc("18:35:42"), SessionReasons.SignalLost, 308, 4),
            (a68caa.StartedAt, a68caa.StartReason, a68caa.EndedAt, a68caa.EndReason, a68caa.StateCount, a68caa.PointCount));
        var abfac6 = Assert.Single(await pipeline.SessionsAsync("abfac6"));
        Assert.Equal((Utc("18:23:45"), SessionReasons.FirstSeenAirborne, Utc("18:33:57"), SessionReasons.SignalLost, 264, 4),
            (abfac6.StartedAt, abfac6.StartReason, abfac6.EndedAt, abfac6.EndReason, abfac6.StateCount, abfac6.PointCount));
        Assert.Null(await pipeline.LiveAsync("a68caa"));
        Assert.Null(await pipeline.LiveAsync("abfac6"));
    }

    // One member reads the whole backlog; the closer runs once, at the end.
    private static async Task<List<string>> UninterruptedRunAsync(string topic, IReadOnlyDictionary<int, long> endOffsets)
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db, RecordedBacklog.Rules);
        var group = "baseline-" + Guid.NewGuid().ToString("N")[..8];
        await using (var member = GroupMember.Join("baseline", topic, group, pipeline.Processor, _ => { }))
        {
            await RecordedBacklog.WaitUntilCommittedAsync(topic, group, endOffsets, () => $"{member.Batches} batches");
            Assert.Null(member.Failure);
        }

        await pipeline.Closer.CloseAsync(dryRun: false, CancellationToken.None);
        return await RecordedBacklog.RowsAsync(db);
    }

    private static int Flights(List<string> rows) => rows.Count(r => r.StartsWith("flight ", StringComparison.Ordinal));

    private static int Live(List<string> rows) => rows.Count(r => r.StartsWith("live ", StringComparison.Ordinal));

    private static DateTime Utc(string time) => DateTime.SpecifyKind(DateTime.Parse("2023-03-18T" + time, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
}
