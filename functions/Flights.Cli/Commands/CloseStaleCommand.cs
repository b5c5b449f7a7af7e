using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Core.Processing;
using Microsoft.Extensions.DependencyInjection;

namespace Flights.Cli.Commands;

/// <summary>`flights close-stale [--dry-run]`: runs the stale-flight closer once, as the timer function does.</summary>
public static class CloseStaleCommand
{
    public static Command Create(TextWriter output)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be ended; change nothing" };
        var command = new Command("close-stale", "End flights that went silent or landed, on the pipeline clock (once)") { dryRun };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose)), output, cancellationToken);
            using var app = host.Build();
            var isDryRun = parseResult.GetValue(dryRun);
            var result = await app.Services.GetRequiredService<StaleFlightCloser>().CloseAsync(isDryRun, cancellationToken);
            if (result.PipelineClock is null)
            {
                await output.WriteLineAsync(result.NewestClock is null
                    ? "No data processed yet: the pipeline clock is not set, nothing to close."
                    : $"No lifecycle (safe) clock yet: a partition has processed no snapshot marker (newest clock {result.NewestClock:u}); nothing to close.");
                return ExitCodes.Ok;
            }

            foreach (var session in result.Sessions)
            {
                await output.WriteLineAsync($"{(isDryRun ? "would end" : "ended")} session {session.SessionId} {session.Icao24} {session.Callsign ?? "-"} at {session.EndedAt:u} ({session.Reason})");
            }

            await output.WriteLineAsync($"Lifecycle (safe) clock {result.PipelineClock:u} (newest {result.NewestClock:u}): {(isDryRun ? "would end" : "ended")} {result.SignalLost} signal_lost, {result.Landed} landed; live rows removed: {result.LiveRowsRemoved}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
