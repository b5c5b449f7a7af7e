using Flights.Core.Ingestion;
using Microsoft.Azure.Functions.Worker;

namespace Flights.Functions;

/// <summary>
/// The timer-triggered fetcher: one OpenSky call per tick within the credit rules, one Kafka message per
/// aircraft state. OpenSky outages are logged (one line) and retried at the next tick; they never fail the host.
/// </summary>
public sealed class FetchStatesFunction(FetchStatesJob job)
{
    [Function("FetchStates")]
    public async Task RunAsync([TimerTrigger("%OpenSky:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        await job.RunOnceAsync(cancellationToken);
    }
}
