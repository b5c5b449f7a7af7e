using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Flights.Cli.Commands;

/// <summary>`flights db migrate`: applies the schema in sql/ (idempotent; safe to run concurrently).</summary>
public static class DbCommand
{
    public static Command Create(TextWriter output)
    {
        var migrate = new Command("migrate", "Apply the numbered SQL files of sql/ that the database does not have yet");
        migrate.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose)), output, cancellationToken);
            using var app = host.Build();
            var result = await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
            await output.WriteLineAsync(result.Applied.Count == 0
                ? $"Schema is up to date ({result.AlreadyApplied} migrations applied before)."
                : $"Applied {result.Applied.Count} migration(s): {string.Join(", ", result.Applied)}.");
            if (result.BuiltInAirportsLoaded > 0)
            {
                await output.WriteLineAsync($"Loaded {result.BuiltInAirportsLoaded:N0} airports of the built-in catalogue into the empty airports table.");
            }

            return ExitCodes.Ok;
        });
        var db = new Command("db", "Database operations");
        db.Subcommands.Add(migrate);
        return db;
    }
}
