using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Cli.Simulation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace Flights.Cli.Commands;

/// <summary>
/// `flights run`: the whole pipeline on one machine, the same three jobs as the Functions app (fetch on its
/// schedule, Kafka consumer into the smart write, closer on its schedule) plus the dashboard. Kafka is the
/// embedded development cluster unless Kafka__BootstrapServers is set; PostgreSQL is the local one unless
/// ConnectionStrings__Flights is set. Ctrl+C stops cleanly.
/// </summary>
public static class RunCommand
{
    public static readonly Option<string> Urls = new("--urls") { Description = "Where the dashboard listens", DefaultValueFactory = _ => "http://127.0.0.1:8080" };

    public static Command Create(TextWriter output)
    {
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "Do not serve the dashboard" };
        var demo = new Option<bool>("--demo") { Description = "Fetch simulated traffic from a local OpenSky-compatible endpoint instead of OpenSky (no network needed)" };
        var command = new Command("run", "Run the pipeline locally: fetch from OpenSky, Kafka, smart write, flight lifecycle, dashboard") { Urls, noDashboard, demo };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var dashboard = !parseResult.GetValue(noDashboard);
            await using var traffic = parseResult.GetValue(demo) ? await DemoTraffic.StartAsync(output, cancellationToken) : null;
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose), StartLocalPostgres: true, EmbeddedKafka: true, Web: dashboard, Settings: traffic?.Settings), output, cancellationToken);
            host.AddPipeline(output, fetchAndClose: true);
            if (dashboard)
            {
                host.AddDashboard();
                ((Microsoft.AspNetCore.Builder.WebApplicationBuilder)host.Builder).WebHost.UseUrls(parseResult.GetValue(Urls)!);
            }

            using var app = host.Build();
            if (dashboard)
            {
                app.MapDashboard();
            }

            await app.StartAsync(cancellationToken);
            await output.WriteLineAsync(dashboard
                ? $"Pipeline running. Dashboard: {parseResult.GetValue(Urls)}  (Ctrl+C to stop)"
                : "Pipeline running (Ctrl+C to stop).");
            await app.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
