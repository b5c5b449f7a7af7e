using Flights.Core.Processing;
using Microsoft.Azure.Functions.Worker;

namespace Flights.Functions;

/// <summary>
/// The timer-triggered closer: ends flights silent for longer than the flight-end threshold or landed,
/// on the pipeline clock (never the wall clock). It logs one line per run (in the core).
/// </summary>
public sealed class CloseStaleFlightsFunction(StaleFlightCloser closer)
{
    [Function("CloseStaleFlights")]
    public async Task RunAsync([TimerTrigger("%Sessions:CloseSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        await closer.CloseAsync(dryRun: false, cancellationToken);
    }
}
