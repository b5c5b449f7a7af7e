using System.Globalization;
using Dapper;
using Flights.Core.Ingestion;
using Flights.Core.Monitoring;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Flights.Cli.Pipeline;

/// <summary>
/// What a person watching `flights run` or `flights replay` sees: on a terminal, one status line rewritten
/// in place; otherwise a short line per snapshot (at most one a second). Pipeline clock, live aircraft, open
/// flights, flights ended, states/s, consumer lag, credits left.
/// </summary>
public sealed class ProgressReporter(NpgsqlDataSource dataSource, PipelineMetrics metrics, StateConsumerService consumer, TextWriter output) : BackgroundService
{
    private const string Counts = """
        select pipeline_clock, credits_remaining,
               (select count(*) from live_status) as live,
               (select count(*) from flight_sessions where ended_at is null) as open,
               (select count(*) from flight_sessions where ended_at is not null) as ended
        from pipeline_state
        """;

    private readonly bool terminal = !Console.IsOutputRedirected;
    private int snapshotsSinceLine;
    private int? credits;
    private long lastWritten;
    private DateTime lastSample = DateTime.UtcNow;
    private string lastLine = "";

    /// <summary>Called after each fetch tick.</summary>
    public void FetchCompleted(FetchStatus status)
    {
        credits = status.CreditsRemaining ?? credits;
        if (status.Result is "published")
        {
            Interlocked.Increment(ref snapshotsSinceLine);
        }
    }

    /// <summary>Called after each replayed snapshot is published.</summary>
    public void SnapshotPublished() => Interlocked.Increment(ref snapshotsSinceLine);

    /// <summary>Prints the final status line (and ends the terminal line).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await RenderAsync(force: true, cancellationToken);
        if (terminal)
        {
            await output.WriteLineAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenderAsync(force: false, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task RenderAsync(bool force, CancellationToken cancellationToken)
    {
        if (!terminal && !force && Interlocked.Exchange(ref snapshotsSinceLine, 0) == 0)
        {
            return;
        }

        string line;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var row = await connection.QuerySingleAsync<(DateTime? Clock, int? Credits, long Live, long Open, long Ended)>(new CommandDefinition(Counts, cancellationToken: cancellationToken));
            var now = DateTime.UtcNow;
            var written = metrics.Written;
            var rate = (written - lastWritten) / Math.Max(0.001, (now - lastSample).TotalSeconds);
            (lastWritten, lastSample) = (written, now);
            var clock = row.Clock is { } c ? c.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "not set";
            var creditText = (credits ?? row.Credits)?.ToString(CultureInfo.InvariantCulture) ?? "-";
            line = string.Create(CultureInfo.InvariantCulture,
                $"clock {clock} | live {row.Live:N0} | open flights {row.Open:N0} | ended {row.Ended:N0} | {rate:N0} states/s | lag {consumer.Lag?.ToString("N0", CultureInfo.InvariantCulture) ?? "-"} | credits {creditText}");
        }
        catch (NpgsqlException ex)
        {
            line = $"PostgreSQL unreachable: {ex.Message}";
        }

        if (terminal)
        {
            await output.WriteAsync("\r" + line.PadRight(lastLine.Length));
        }
        else
        {
            await output.WriteLineAsync(line);
        }

        lastLine = line;
    }
}
