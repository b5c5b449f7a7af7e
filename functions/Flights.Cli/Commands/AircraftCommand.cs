using System.CommandLine;
using Flights.Cli.Enrichment;
using Flights.Cli.Hosting;

namespace Flights.Cli.Commands;

/// <summary>`flights aircraft import &lt;csv&gt;`: loads the OpenSky aircraft database into the enrichment columns.</summary>
public static class AircraftCommand
{
    public static Command Create(TextWriter output)
    {
        var path = new Argument<string>("csv") { Description = "Path of aircraftDatabase.csv (OpenSky aircraft database)" };
        var import = new Command("import", "Import the OpenSky aircraft database CSV (idempotent; malformed rows are counted and skipped)") { path };
        import.SetAction(async (parseResult, cancellationToken) =>
        {
            AircraftImportCommand.CheckInput(parseResult.GetValue(path)!);
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose)), output, cancellationToken);
            using var app = host.Build();
            return await AircraftImportCommand.RunAsync(app.Services, parseResult.GetValue(path)!, output, cancellationToken);
        });
        var aircraft = new Command("aircraft", "Aircraft master data");
        aircraft.Subcommands.Add(import);
        return aircraft;
    }
}
