using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Cli.Status;
using Flights.Core.Monitoring;

namespace Flights.Cli.Commands;

/// <summary>`flights status [--json]`: the pipeline's health, by the same definition as /api/health.</summary>
public static class StatusCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the health report as JSON" };
        var command = new Command("status", "Show the pipeline's health: last fetch, pipeline clock, lag, live aircraft, open flights") { json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose)), output, cancellationToken);
            host.Builder.Services.AddFlightsHealth(host.Configuration);
            using var app = host.Build();
            return await StatusRenderer.RunAsync(app.Services, parseResult.GetValue(json), output, cancellationToken);
        });
        return command;
    }
}
