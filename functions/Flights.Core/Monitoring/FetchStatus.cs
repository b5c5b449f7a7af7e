using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Flights.Core.Monitoring;

/// <summary>The outcome of one fetch tick, as the health view and the log show it.</summary>
/// <param name="At">When the tick ran (wall clock).</param>
/// <param name="Result"><c>published</c>, <c>unchanged</c>, <c>skipped</c>, <c>partial</c>, <c>unavailable</c>, <c>unauthorized</c>, <c>malformed</c> or <c>implausible_time</c>.</param>
/// <param name="States">States in the snapshot fetched (0 when none was).</param>
/// <param name="Published">States delivered to Kafka.</param>
/// <param name="SnapshotTime">The snapshot's time, when one was fetched.</param>
/// <param name="CreditsRemaining">OpenSky credits left, when known.</param>
/// <param name="NextCallAt">The earliest time of the next call.</param>
/// <param name="Message">A one-line explanation for anything but success.</param>
public sealed record FetchStatus(DateTimeOffset At, string Result, int States, int Published, long? SnapshotTime, int? CreditsRemaining, DateTimeOffset? NextCallAt, string? Message)
{
    /// <summary>True when the tick did what it should (published, nothing new, or waited as the credit rules said).</summary>
    public bool Succeeded => IsSuccess(Result);

    /// <summary>Whether a recorded result (<c>pipeline_state.last_fetch_result</c>) means the fetcher is doing its job.</summary>
    public static bool IsSuccess(string result) => result is "published" or "unchanged" or "skipped";
}

/// <summary>Where the fetcher records each tick's outcome for the health view.</summary>
public interface IFetchStatusStore
{
    /// <summary>Records the outcome; never throws for a storage problem (the fetch itself succeeded or failed on its own).</summary>
    Task RecordAsync(FetchStatus status, CancellationToken cancellationToken);
}

/// <summary>Records fetch outcomes in <c>pipeline_state</c>.</summary>
public sealed partial class PostgresFetchStatusStore(NpgsqlDataSource dataSource, ILogger<PostgresFetchStatusStore> logger) : IFetchStatusStore
{
    private const string Update = """
        update pipeline_state
        set last_fetch_at = @At, last_fetch_result = @Result, last_fetch_states = @States,
            last_snapshot_time = coalesce(@SnapshotTime, last_snapshot_time),
            credits_remaining = coalesce(@CreditsRemaining, credits_remaining), next_fetch_at = @NextCallAt
        """;

    /// <inheritdoc />
    public async Task RecordAsync(FetchStatus status, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(Update, new
            {
                At = status.At.UtcDateTime,
                status.Result,
                status.States,
                SnapshotTime = UnixTime.ToUtc(status.SnapshotTime),
                status.CreditsRemaining,
                NextCallAt = status.NextCallAt?.UtcDateTime,
            }, cancellationToken: cancellationToken));
        }
        catch (NpgsqlException ex)
        {
            // The health record is secondary: publishing must not stop because PostgreSQL hiccups; the health
            // view will show the last fetch as old, which is the truth it can know.
            LogNotRecorded(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the fetch status in PostgreSQL: {Error}")]
    private partial void LogNotRecorded(string error);
}
