using Flights.Cli.Hosting;
using Flights.Core.Enrichment;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Flights.Cli.Enrichment;

/// <summary><c>flights aircraft import &lt;csv&gt;</c>: loads the OpenSky aircraft database into the warehouse.</summary>
public static class AircraftImportCommand
{
    /// <summary>Fails with exit code 6 (input) when the file is missing, before anything connects to the database.</summary>
    public static void CheckInput(string csvPath)
    {
        if (!File.Exists(csvPath))
        {
            throw new CliException($"No such file: {csvPath}. Download the aircraft database CSV from https://opensky-network.org/datasets/metadata/ (see docs/bi.md).", ExitCodes.Input);
        }
    }

    /// <summary>Imports the file; 0 on success. A missing file or one that is not the aircraft database is a <see cref="CliException"/> with exit code 6.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string csvPath, TextWriter output, CancellationToken ct)
    {
        CheckInput(csvPath);

        var importer = new AircraftDatabaseImporter(services.GetRequiredService<NpgsqlDataSource>(), services.GetService<TimeProvider>() ?? TimeProvider.System);
        try
        {
            var result = await importer.ImportAsync(csvPath, ct);
            await output.WriteLineAsync(
                $"{result.Rows} rows: {result.Inserted} new, {result.Updated} changed, {result.Unchanged} unchanged, "
                + $"{result.Duplicates} duplicates, {result.Malformed} malformed skipped; {result.AircraftEnriched} known aircraft enriched.");
            return 0;
        }
        catch (InvalidDataException ex)
        {
            // A wrong file is the user's to fix; say what is wrong instead of a stack trace.
            throw new CliException($"{csvPath} is not the OpenSky aircraft database: {ex.Message}", ExitCodes.Input, ex);
        }
    }
}
