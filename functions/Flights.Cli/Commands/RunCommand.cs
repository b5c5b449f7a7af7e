using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Cli.Simulation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
    /// <summary>The setting that turns the fetch schedule off, like --no-fetch.</summary>
    public const string FetchSetting = "Run:Fetch";

    public static readonly Option<string> Urls = new("--urls") { Description = "Where the dashboard listens", DefaultValueFactory = _ => "http://127.0.0.1:8080" };

    public static Command Create(TextWriter output)
    {
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "Do not serve the dashboard" };
        var noFetch = new Option<bool>("--no-fetch") { Description = $"Do not poll OpenSky: only the consumer, the closer and the dashboard (also {FetchSetting.Replace(":", "__", StringComparison.Ordinal)}=false)" };
        var demo = new Option<bool>("--demo") { Description = "Fetch simulated traffic from a local OpenSky-compatible endpoint instead of OpenSky (no network needed)" };
        var command = new Command("run", "Run the pipeline locally: fetch from OpenSky, Kafka, smart write, flight lifecycle, dashboard") { Urls, noDashboard, noFetch, demo };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var dashboard = !parseResult.GetValue(noDashboard);
            await using var traffic = parseResult.GetValue(demo) ? await DemoTraffic.StartAsync(output, cancellationToken) : null;
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose), StartLocalPostgres: true, EmbeddedKafka: true, Web: dashboard, Settings: traffic?.Settings), output, cancellationToken);
            // Without fetching, something else fills Kafka: `flights replay --publish-only`, a simulator, another host.
            var fetch = !parseResult.GetValue(noFetch) && host.Configuration.GetValue(FetchSetting, true);
            host.AddPipeline(output, fetchAndClose: true, fetch);
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
            var what = fetch ? "Pipeline running" : "Pipeline running without fetching (consumer, closer" + (dashboard ? ", dashboard)" : ")");
            await output.WriteLineAsync(dashboard
                ? $"{what}. Dashboard: {parseResult.GetValue(Urls)}  (Ctrl+C to stop)"
                : $"{what} (Ctrl+C to stop).");
            await app.WaitForShutdownAsync(cancellationToken);
            app.Services.GetRequiredService<HostFailure>().ThrowIfFailed();
            return ExitCodes.Ok;
        });
        return command;
    }
}
