using Flights.Core.Processing;
using Flights.Core.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Cli.Pipeline;

/// <summary>The local host's closer schedule: the same StaleFlightCloser the CloseStaleFlights timer runs.</summary>
public sealed partial class CloseLoopService(StaleFlightCloser closer, IOptions<SessionOptions> options, ILogger<CloseLoopService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CloseInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await closer.CloseAsync(dryRun: false, stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                // PostgreSQL unreachable: nothing is lost by skipping a run; the next tick closes what is due.
                LogCloserFailed(ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closer run failed ({Error}); trying again at the next interval")]
    private partial void LogCloserFailed(string error);
}
