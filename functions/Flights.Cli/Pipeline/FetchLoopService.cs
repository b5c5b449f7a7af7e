using Flights.Core.Ingestion;
using Flights.Core.OpenSky;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flights.Cli.Pipeline;

/// <summary>
/// The local host's fetch schedule: one tick, then wait for the later of the next call the credit rules
/// allow and the configured minimum interval. The same FetchStatesJob the timer function runs.
/// </summary>
public sealed class FetchLoopService(FetchStatesJob job, IOptions<OpenSkyOptions> options, ProgressReporter progress, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minimum = options.Value.EffectiveMinInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var status = await job.RunOnceAsync(stoppingToken);
            progress.FetchCompleted(status);
            var now = timeProvider.GetUtcNow();
            var next = status.NextCallAt is { } allowed && allowed > now + minimum ? allowed : now + minimum;
            await Task.Delay(next - now, timeProvider, stoppingToken);
        }
    }
}
