using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Core.Ingestion;

/// <summary>
/// One fetch tick: ask OpenSky for the current states (within the credit rules), publish a new snapshot to
/// Kafka, record the outcome. Used by the FetchStates timer function, `flights run` and `flights fetch --once`.
/// OpenSky being down, slow or refusing is logged as one line and the next tick tries again; it never throws
/// for that. A snapshot counts as published only when every message was delivered; otherwise the next tick
/// publishes it (or a newer one) again.
/// </summary>
public sealed partial class FetchStatesJob(IOpenSkyClient client, IStatePublisher publisher, IFetchStatusStore statusStore, PipelineMetrics metrics, TimeProvider timeProvider, ILogger<FetchStatesJob> logger, IOptions<SessionOptions>? sessionOptions = null)
{
    private readonly TimeSpan maxAhead = sessionOptions?.Value.MaxSnapshotAhead ?? new SessionOptions().MaxSnapshotAhead;

    // Ticks never overlap (one timer, one replica), so a plain field is enough.
    private long? lastPublishedSnapshot;

    /// <summary>The snapshot time last published in full by this process.</summary>
    public long? LastPublishedSnapshot => lastPublishedSnapshot;

    /// <summary>The most recent tick's outcome.</summary>
    public FetchStatus? LastStatus { get; private set; }

    /// <summary>Runs one tick.</summary>
    public async Task<FetchStatus> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        FetchStatus status;
        try
        {
            var fetched = await client.FetchStatesAsync(cancellationToken);
            if (fetched.Skipped)
            {
                status = new FetchStatus(now, "skipped", 0, 0, null, fetched.CreditsRemaining, fetched.NextCallAt, fetched.SkipReason);
                LogSkipped(fetched.SkipReason, fetched.NextCallAt);
            }
            else if (SnapshotTimes.Problem(fetched.Snapshot!.Time, now, maxAhead) is { } problem)
            {
                // Never published: one such snapshot would drag the pipeline clock to its time for good.
                status = new FetchStatus(now, "implausible_time", fetched.Snapshot.States.Count, 0, null, fetched.CreditsRemaining, fetched.NextCallAt, $"OpenSky sent a snapshot that was not published: {problem}");
                LogFailed(status.Message!);
            }
            else if (fetched.Snapshot.Time == LastPublishedSnapshot)
            {
                status = new FetchStatus(now, "unchanged", fetched.Snapshot.States.Count, 0, fetched.Snapshot.Time, fetched.CreditsRemaining, fetched.NextCallAt, "OpenSky served the snapshot already published");
                LogTick(fetched.Snapshot.States.Count, 0, "unchanged", fetched.CreditsRemaining, fetched.NextCallAt);
            }
            else
            {
                var snapshot = fetched.Snapshot;
                var published = await publisher.PublishAsync(snapshot, cancellationToken);
                metrics.RecordPublished(published.Delivered);
                if (published.AllDelivered)
                {
                    lastPublishedSnapshot = snapshot.Time;
                }

                var result = published.AllDelivered ? "published" : "partial";
                status = new FetchStatus(now, result, snapshot.States.Count, published.Delivered, snapshot.Time, fetched.CreditsRemaining, fetched.NextCallAt, published.FirstError);
                LogTick(snapshot.States.Count, published.Delivered, result, fetched.CreditsRemaining, fetched.NextCallAt);
            }
        }
        catch (OpenSkyUnavailableException ex)
        {
            status = new FetchStatus(now, "unavailable", 0, 0, null, null, null, ex.Message);
            LogFailed(ex.Message);
        }
        catch (OpenSkyAuthenticationException ex)
        {
            status = new FetchStatus(now, "unauthorized", 0, 0, null, null, null, ex.Message);
            LogFailed(ex.Message);
        }
        catch (OpenSkyFormatException ex)
        {
            status = new FetchStatus(now, "malformed", 0, 0, null, null, null, $"OpenSky sent a malformed response: {ex.Message}");
            LogFailed(status.Message!);
        }

        LastStatus = status;
        await statusStore.RecordAsync(status, cancellationToken);
        return status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetch: {States} states fetched, {Published} published ({Result}); credits left {Credits}; next call not before {NextCall:u}")]
    private partial void LogTick(int states, int published, string result, int? credits, DateTimeOffset nextCall);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetch skipped: {Reason}; next call not before {NextCall:u}")]
    private partial void LogSkipped(string? reason, DateTimeOffset nextCall);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetch failed: {Error}")]
    private partial void LogFailed(string error);
}
