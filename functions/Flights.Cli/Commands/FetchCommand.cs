using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Core;
using Flights.Core.Ingestion;
using Flights.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Flights.Cli.Commands;

/// <summary>`flights fetch --once`: one fetch tick against the configured OpenSky and Kafka, for checking credentials.</summary>
public static class FetchCommand
{
    public static Command Create(TextWriter output)
    {
        var once = new Option<bool>("--once") { Description = "Run exactly one tick (the only mode; `flights run` fetches on a schedule)", Required = true };
        var command = new Command("fetch", "Fetch the current states from OpenSky once and publish them to Kafka") { once };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose), StartLocalPostgres: true, EmbeddedKafka: true), output, cancellationToken);
            host.Builder.Services.AddFlightsIngestion(host.Configuration);
            using var app = host.Build();
            await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
            await host.KafkaReady;
            var status = await app.Services.GetRequiredService<FetchStatesJob>().RunOnceAsync(cancellationToken);
            await output.WriteLineAsync($"Fetch {status.Result}: {status.States} states fetched, {status.Published} published; credits left {status.CreditsRemaining?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}; next call not before {status.NextCallAt:u}");
            if (!status.Succeeded)
            {
                throw new CliException(status.Message ?? status.Result, status.Result == "partial" ? ExitCodes.Kafka : ExitCodes.OpenSky);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
