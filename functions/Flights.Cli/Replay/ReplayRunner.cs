using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Sessions;
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
    double WallSeconds)
{
    public double StatesPerSecond => StatesPublished / Math.Max(WallSeconds, 0.001);
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
        var snapshots = SnapshotReader.Read(path);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Replaying {snapshots.Count} snapshots ({snapshots.Sum(s => s.States.Count):N0} states) from {path}, {(speed is null ? "as fast as possible" : $"{speed}x recorded speed")}"));

        if (publishOnly)
        {
            return await PublishOnlyAsync(snapshots, speed, hostOptions, output, watch, cancellationToken);
        }

        await using var host = await CliHost.CreateAsync(hostOptions with { StartLocalPostgres = true, EmbeddedKafka = true }, output, cancellationToken);
        host.AddPipeline(output, fetchAndClose: false);
        using var app = host.Build();
        await app.StartAsync(cancellationToken);
        try
        {
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            var progress = app.Services.GetRequiredService<ProgressReporter>();
            var consumer = app.Services.GetRequiredService<StateConsumerService>();
            await PublishAllAsync(snapshots, speed, app.Services.GetRequiredService<StatePublisher>(), metrics, progress.SnapshotPublished, cancellationToken);

            var endOffsets = EndOffsets(app.Services.GetRequiredService<IOptions<KafkaOptions>>().Value);
            while (!consumer.HasProcessed(endOffsets))
            {
                await Task.Delay(100, cancellationToken);
            }

            await app.Services.GetRequiredService<StaleFlightCloser>().CloseAsync(dryRun: false, cancellationToken);
            await progress.FlushAsync(cancellationToken);
            return new ReplaySummary(snapshots.Count, metrics.Published, metrics.Written, metrics.Ignored, metrics.Rejected, metrics.DeadLettered,
                metrics.SessionsOpened, metrics.EndedSignalLost, metrics.EndedLanded, watch.Elapsed.TotalSeconds);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    // Only fills the topic (for example a real cluster's, to build a backlog that KEDA scales on); the
    // cluster's own processors consume it. No database, no consumer in this process.
    private static async Task<ReplaySummary> PublishOnlyAsync(IReadOnlyList<StatesSnapshot> snapshots, double? speed, CliHostOptions hostOptions, TextWriter output, Stopwatch watch, CancellationToken cancellationToken)
    {
        await using var host = await CliHost.CreateAsync(hostOptions, output, cancellationToken);
        if (string.IsNullOrWhiteSpace(host.Configuration["Kafka:BootstrapServers"]))
        {
            throw new CliException("--publish-only needs a Kafka to publish to: set Kafka__BootstrapServers.", ExitCodes.Configuration);
        }

        using var app = host.Build();
        var metrics = app.Services.GetRequiredService<PipelineMetrics>();
        await PublishAllAsync(snapshots, speed, app.Services.GetRequiredService<StatePublisher>(), metrics, () => { }, cancellationToken);
        return new ReplaySummary(snapshots.Count, metrics.Published, 0, 0, 0, 0, 0, 0, 0, watch.Elapsed.TotalSeconds);
    }

    private static async Task PublishAllAsync(IReadOnlyList<StatesSnapshot> snapshots, double? speed, StatePublisher publisher, PipelineMetrics metrics, Action published, CancellationToken cancellationToken)
    {
        StatesSnapshot? previous = null;
        foreach (var snapshot in snapshots)
        {
            if (speed is { } factor && previous is not null)
            {
                await Task.Delay(TimeSpan.FromSeconds((snapshot.Time - previous.Time) / factor), cancellationToken);
            }

            var result = await publisher.PublishAsync(snapshot, cancellationToken);
            if (!result.AllDelivered)
            {
                throw new CliException($"Kafka did not take snapshot {snapshot.Time}: {result.Failed} messages failed ({result.FirstError}); check Kafka__BootstrapServers.", ExitCodes.Kafka);
            }

            metrics.RecordPublished(result.Delivered);
            published();
            previous = snapshot;
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
            wall_seconds = Math.Round(summary.WallSeconds, 2),
            states_per_s = Math.Round(summary.StatesPerSecond),
        }));
    }

    // The high watermark of every partition of the topic, after the replay's last message was acknowledged.
    private static Dictionary<int, long> EndOffsets(KafkaOptions options)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(options.Topic, TimeSpan.FromSeconds(30));
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = options.BootstrapServers, GroupId = $"flights-replay-probe-{Guid.NewGuid():N}" })
            .SetLogHandler((_, _) => { }).Build();
        return metadata.Topics.Single().Partitions.ToDictionary(
            p => p.PartitionId,
            p => probe.QueryWatermarkOffsets(new TopicPartition(options.Topic, p.PartitionId), TimeSpan.FromSeconds(30)).High.Value);
    }
}
