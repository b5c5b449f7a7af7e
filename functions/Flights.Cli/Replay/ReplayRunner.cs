using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flights.Cli.Replay;

/// <summary>What a replay did; printed as the summary (and as JSON, last line).</summary>
public sealed record ReplaySummary(
    int Snapshots,
    long StatesPublished,
    long StatesWritten,
    long StatesAlreadyKnown,
    long Rejected,
    long DeadLettered,
    long SessionsOpened,
    long EndedSignalLost,
    long EndedLanded,
    double WallSeconds,
    long Lost = 0,
    int DuplicateSnapshots = 0,
    IReadOnlyList<string>? SkippedEntries = null,
    bool Consumed = true)
{
    /// <summary>Positions the pipeline kept out of routes as implausible (issue 16).</summary>
    public long ImplausiblePositions { get; init; }

    public double StatesPerSecond => StatesPublished / Math.Max(WallSeconds, 0.001);

    /// <summary>States accounted for by the consumer: written, already known, rejected or dead-lettered.</summary>
    public long StatesAccounted => StatesWritten + StatesAlreadyKnown + Rejected + DeadLettered;

    /// <summary>True when every published state is accounted for (always for --publish-only, which consumes nothing).</summary>
    public bool Complete => !Consumed || (StatesAccounted == StatesPublished && Lost == 0);
}

/// <summary>
/// `flights replay`: recorded responses go through the same pipeline as live data (publisher, Kafka, the
/// consumer and smart write, the closer), paced by their own times or as fast as possible. It finishes when
/// every published state is written and the closer has run at the final pipeline clock.
/// </summary>
public static class ReplayRunner
{
    public static async Task<ReplaySummary> RunAsync(string path, double? speed, bool publishOnly, CliHostOptions hostOptions, TextWriter output, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (publishOnly)
        {
            var whole = SnapshotReader.ReadRecording(path);
            await AnnounceAsync(whole, path, speed, output);
            return await PublishOnlyAsync(whole, speed, hostOptions, output, watch, cancellationToken);
        }

        // Reading (unzipping, parsing) the recording is the one long piece of work that needs neither the database
        // nor Kafka: it runs while the host starts and migrates. What makes the input unusable as a whole (missing,
        // not a zip) is still found first, before anything starts.
        SnapshotReader.CheckReadable(path);
        var reading = Task.Run(() => SnapshotReader.ReadRecording(path), cancellationToken);
        await using var host = await CliHost.CreateAsync(hostOptions with { StartLocalPostgres = true, EmbeddedKafka = true }, output, cancellationToken);
        host.AddPipeline(output, fetchAndClose: false);
        using var app = host.Build();
        var kafkaOptions = app.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        var consumer = app.Services.GetRequiredService<StateConsumerService>();
        if (host.EmbeddedKafka is not null)
        {
            // The embedded Kafka keeps only ~5 MB per partition and trims the oldest messages whether or not they
            // were read (librdkafka's mock cluster); hold the publisher back so that it never outruns the consumer.
            app.Services.GetRequiredService<KafkaProducer>().LimitBacklog(kafkaOptions.Topic, partition => consumer.ProcessedUpTo.GetValueOrDefault(partition), EmbeddedKafkaBacklogPerPartition);
            consumer.TopicCreatedEmpty = true;
            // Only this process reads the embedded topic: joining a consumer group would only cost seconds.
            consumer.AssignAllPartitions = true;
        }

        // The migrations begin at once: the host's start first builds every service (the Kafka clients, the
        // writer), which took a third of a second. Its own migration step then finds the schema applied (the
        // runner serialises concurrent calls with an advisory lock) and fails the start the same way if this fails.
        var migrating = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateAtStart
            ? Task.Run(() => app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken), cancellationToken)
            : Task.CompletedTask;

        // The host starts (migrations, then the consumer) while the recording is read and published: Kafka needs
        // no schema, and the embedded Kafka's backlog limit holds the publisher until the consumer catches up.
        var starting = app.StartAsync(cancellationToken);
        var endOffsetReading = EndOffsetReader.OpenAsync(kafkaOptions, app.Services.GetRequiredService<IConfiguration>(), cancellationToken);
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = false;
        Task? closing = null;
        try
        {
            var recording = await reading;
            var snapshots = recording.Snapshots;
            await AnnounceAsync(recording, path, speed, output);
            RefuseImplausibleTimes(snapshots, app.Services, path);
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            var progress = app.Services.GetRequiredService<ProgressReporter>();
            var failure = app.Services.GetRequiredService<HostFailure>();
            var publisher = app.Services.GetRequiredService<StatePublisher>();
            await host.KafkaReady;
            // Its own thread: producing blocks (the backlog limit, a full local queue) while the host goes on starting.
            var published = Task.Run(() => PublishAllAsync(snapshots, speed, publisher, metrics, progress.SnapshotPublished, failure, publishing.Token), publishing.Token);
            await StartedOrStopPublishingAsync(starting, published, publishing);
            started = true;
            await published;

            var endOffsets = (await endOffsetReading).Read();
            // Closing a Kafka client takes up to a tenth of a second (its poll threads end): done while the last batches are written.
            closing = Task.Run(endOffsetReading.Result.Dispose, CancellationToken.None);
            consumer.DrainTo(endOffsets);
            while (true)
            {
                // Taken before the check, so that a batch finishing in between is not missed.
                var nextBatch = consumer.NextBatchProcessed;
                if (consumer.HasProcessed(endOffsets))
                {
                    break;
                }

                failure.ThrowIfFailed();
                await Task.WhenAny(nextBatch, Task.Delay(100, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }

            await app.Services.GetRequiredService<StaleFlightCloser>().CloseAsync(dryRun: false, cancellationToken);
            await progress.FlushAsync(cancellationToken);
            return new ReplaySummary(snapshots.Count, metrics.Published, metrics.Written, metrics.Ignored, metrics.Rejected, metrics.DeadLettered,
                metrics.SessionsOpened, metrics.EndedSignalLost, metrics.EndedLanded, watch.Elapsed.TotalSeconds, metrics.Lost, recording.Duplicates, recording.Skipped)
            {
                ImplausiblePositions = metrics.ImplausiblePositions,
            };
        }
        finally
        {
            await publishing.CancelAsync();
            await ObserveAsync(migrating);
            await ObserveAsync(endOffsetReading);
            if (closing is null && endOffsetReading.IsCompletedSuccessfully)
            {
                endOffsetReading.Result.Dispose();
            }

            if (!started)
            {
                // The start's own failure (PostgreSQL down: exit 3) is the one to report, unless the input failed first.
                await ObserveAsync(starting);
            }

            await app.StopAsync(CancellationToken.None);
            if (closing is not null)
            {
                await closing;
            }
        }
    }

    private static Task AnnounceAsync(Recording recording, string path, double? speed, TextWriter output) =>
        output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Replaying {recording.Snapshots.Count} snapshots ({recording.Snapshots.Sum(s => s.States.Count):N0} states) from {path}, {(speed is null ? "as fast as possible" : $"{speed}x recorded speed")}"));

    // Waits for the host to have started. A start that fails (PostgreSQL down, a migration refused) stops the
    // publisher, which may be held back by the backlog limit waiting for a consumer that will never run.
    private static async Task StartedOrStopPublishingAsync(Task starting, Task published, CancellationTokenSource publishing)
    {
        if (await Task.WhenAny(starting, published) == published && published.IsFaulted)
        {
            // The publisher failed (Kafka refused a snapshot): that is the error to report, once the start is over.
            await ObserveAsync(starting);
            await published;
        }

        try
        {
            await starting;
        }
        catch
        {
            await publishing.CancelAsync();
            await ObserveAsync(published);
            throw;
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Observed only: another failure is the one reported.
        }
    }

    // Only fills the topic (for example a real cluster's, to build a backlog that KEDA scales on); the
    // cluster's own processors consume it. No database, no consumer in this process.
    private static async Task<ReplaySummary> PublishOnlyAsync(Recording recording, double? speed, CliHostOptions hostOptions, TextWriter output, Stopwatch watch, CancellationToken cancellationToken)
    {
        var snapshots = recording.Snapshots;
        await using var host = await CliHost.CreateAsync(hostOptions, output, cancellationToken);
        if (string.IsNullOrWhiteSpace(host.Configuration["Kafka:BootstrapServers"]))
        {
            throw new CliException("--publish-only needs a Kafka to publish to: set Kafka__BootstrapServers.", ExitCodes.Configuration);
        }

        using var app = host.Build();
        RefuseImplausibleTimes(snapshots, app.Services, "");
        var metrics = app.Services.GetRequiredService<PipelineMetrics>();
        await PublishAllAsync(snapshots, speed, app.Services.GetRequiredService<StatePublisher>(), metrics, () => { }, app.Services.GetRequiredService<HostFailure>(), cancellationToken);
        return new ReplaySummary(snapshots.Count, metrics.Published, 0, 0, 0, 0, 0, 0, 0, watch.Elapsed.TotalSeconds, 0, recording.Duplicates, recording.Skipped, Consumed: false);
    }

    // Messages of one partition published but not yet processed that the embedded Kafka can hold safely: at up to
    // ~400 bytes a message (uncompressed), 10,000 stay under the mock cluster's ~5 MB per partition. With the topic's
    // 6 partitions the consumer can fill its largest batches (StateConsumerService) while the publisher goes on:
    // a bound of 10,000 for the whole topic left the publisher waiting for every batch (1M-state replay, same
    // machine: 42,100 states/s; per partition 55,100 with batches of 15,000).
    private const long EmbeddedKafkaBacklogPerPartition = 10_000;

    // A snapshot dated before 2000 or ahead of the wall clock would drag the pipeline clock there for good:
    // refuse the whole replay before anything is published.
    private static void RefuseImplausibleTimes(IReadOnlyList<StatesSnapshot> snapshots, IServiceProvider services, string path)
    {
        var maxAhead = services.GetRequiredService<IOptions<SessionOptions>>().Value.MaxSnapshotAhead;
        var now = DateTimeOffset.UtcNow;
        var bad = snapshots.Select(s => SnapshotTimes.Problem(s.Time, now, maxAhead)).Where(p => p is not null).ToList();
        if (bad.Count > 0)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"Replay refused: {bad.Count} of {snapshots.Count} snapshots{(path.Length > 0 ? $" in {path}" : "")} have an implausible time, e.g. {bad[0]} (Sessions__MaxSnapshotAhead)"), ExitCodes.Input);
        }
    }

    // Snapshots queued to Kafka and not yet acknowledged. Waiting for each snapshot's delivery before sending
    // the next cost about 5 ms per snapshot (a linger and a round trip); a few in flight keep the producer's
    // batches full. The embedded Kafka's backlog limit still holds the publisher back behind the consumer.
    private const int MaxSnapshotsInFlight = 16;

    private static async Task PublishAllAsync(IReadOnlyList<StatesSnapshot> snapshots, double? speed, StatePublisher publisher, PipelineMetrics metrics, Action published, HostFailure failure, CancellationToken cancellationToken)
    {
        // Paced against a clock from the first snapshot: publishing takes time too, so sleeping the full gap
        // after each send would make --speed 2000 run far slower than 2000x.
        var clock = Stopwatch.StartNew();
        var firstTime = snapshots.Count > 0 ? snapshots[0].Time : 0;
        var pipeline = publisher.Pipeline(MaxSnapshotsInFlight);
        foreach (var snapshot in snapshots)
        {
            failure.ThrowIfFailed();
            if (speed is { } factor)
            {
                var due = TimeSpan.FromSeconds((snapshot.Time - firstTime) / factor) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    // Time to spare: let what is in flight be acknowledged first, so that progress is not a snapshot behind.
                    Check(await pipeline.CompleteAsync(cancellationToken));
                    due = TimeSpan.FromSeconds((snapshot.Time - firstTime) / factor) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }
            }

            Check(await pipeline.SendAsync(snapshot, cancellationToken));
        }

        // Every snapshot's delivery is checked before the replay goes on to wait for the consumer.
        Check(await pipeline.CompleteAsync(cancellationToken));

        void Check(IReadOnlyList<(StatesSnapshot Snapshot, PublishResult Result)> finished)
        {
            foreach (var (snapshot, result) in finished)
            {
                if (!result.AllDelivered)
                {
                    throw new CliException($"Kafka did not take snapshot {snapshot.Time}: {result.Failed} messages failed ({result.FirstError}); check Kafka__BootstrapServers.", ExitCodes.Kafka);
                }

                metrics.RecordPublished(result.Delivered);
                published();
            }
        }
    }

    public static async Task PrintAsync(ReplaySummary summary, TextWriter output)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            Replay finished in {summary.WallSeconds:0.0} s ({summary.StatesPerSecond:N0} states/s)
              snapshots          {summary.Snapshots:N0}
              states published   {summary.StatesPublished:N0}
              states written     {summary.StatesWritten:N0} (already known: {summary.StatesAlreadyKnown:N0})
              rejected           {summary.Rejected:N0}
              dead-lettered      {summary.DeadLettered:N0}
              sessions opened    {summary.SessionsOpened:N0}
              sessions ended     signal_lost {summary.EndedSignalLost:N0}, landed {summary.EndedLanded:N0}
            """));
        if (summary.DuplicateSnapshots > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  duplicate snapshots {summary.DuplicateSnapshots:N0} (the same time recorded twice; replayed once)"));
        }

        if (summary.SkippedEntries is { Count: > 0 } skipped)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  skipped entries    {skipped.Count:N0} (not .json / .json.gz: {string.Join(", ", skipped.Take(5))}{(skipped.Count > 5 ? ", ..." : "")})"));
        }

        if (summary.Lost > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  LOST               {summary.Lost:N0} messages deleted by Kafka before they were processed"));
        }
        await output.WriteLineAsync(JsonSerializer.Serialize(new
        {
            snapshots = summary.Snapshots,
            states_published = summary.StatesPublished,
            states_written = summary.StatesWritten,
            states_already_known = summary.StatesAlreadyKnown,
            rejected = summary.Rejected,
            dead_lettered = summary.DeadLettered,
            sessions_opened = summary.SessionsOpened,
            ended_signal_lost = summary.EndedSignalLost,
            ended_landed = summary.EndedLanded,
            lost = summary.Lost,
            duplicate_snapshots = summary.DuplicateSnapshots,
            skipped_entries = summary.SkippedEntries ?? [],
            wall_seconds = Math.Round(summary.WallSeconds, 2),
            states_per_s = Math.Round(summary.StatesPerSecond),
        }));
    }

    /// <summary>Fails the command (after its summary was printed) when published states are not all accounted for.</summary>
    public static void ThrowIfIncomplete(ReplaySummary summary)
    {
        if (!summary.Complete)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"Replay incomplete: {summary.StatesPublished:N0} states published but {summary.StatesAccounted:N0} written, already known, rejected or dead-lettered{(summary.Lost > 0 ? $"; Kafka deleted {summary.Lost:N0} messages before they were processed" : "")}"), ExitCodes.Incomplete);
        }
    }

    // The high watermark of every partition of the topic, after the replay's last message was acknowledged. The
    // clients are made while the replay starts (Open): making them when publishing was done cost 0.1-0.2 s, and
    // the last batch waited for the end offsets that long.
    private sealed class EndOffsetReader : IDisposable
    {
        private readonly string topic;
        private readonly IAdminClient admin;
        private readonly IConsumer<byte[], byte[]> probe;

        private EndOffsetReader(KafkaOptions options, IConfiguration configuration)
        {
            topic = options.Topic;
            admin = new AdminClientBuilder(KafkaClientConfigs.Admin(options, configuration, "flights-replay")).SetLogHandler((_, _) => { }).Build();
            probe = new ConsumerBuilder<byte[], byte[]>(KafkaClientConfigs.OffsetReader(options, configuration, $"flights-replay-probe-{Guid.NewGuid():N}", "flights-replay"))
                .SetLogHandler((_, _) => { }).Build();
        }

        public static Task<EndOffsetReader> OpenAsync(KafkaOptions options, IConfiguration configuration, CancellationToken cancellationToken) =>
            Task.Run(() => new EndOffsetReader(options, configuration), cancellationToken);

        public Dictionary<int, long> Read()
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
            return metadata.Topics.Single().Partitions.ToDictionary(
                p => p.PartitionId,
                p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(30)).High.Value);
        }

        public void Dispose()
        {
            probe.Dispose();
            admin.Dispose();
        }
    }
}
