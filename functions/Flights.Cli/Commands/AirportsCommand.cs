using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flights.Cli.Hosting;
using Flights.Core.Airports;
using Flights.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Flights.Cli.Commands;

/// <summary>
/// `flights airports`: the airport catalogue. `import` reads the full OurAirports airports.csv (small fields and
/// heliports too) into a catalogue file that `flights simulate --airports` uses, and into the database's
/// <c>airports</c> table that the airport rules read; `nearest` looks a position up.
/// </summary>
public static class AirportsCommand
{
    /// <summary>Where `airports import` writes unless told otherwise (git-ignored, beside the local database).</summary>
    public const string DefaultCatalogueFile = ".local/airports.json";

    public static Command Create(TextWriter output)
    {
        var csv = new Argument<string>("csv") { Description = "OurAirports airports.csv (https://ourairports.com/data/)" };
        var outFile = new Option<string>("--out") { Description = "Catalogue file to write", DefaultValueFactory = _ => DefaultCatalogueFile };
        var import = new Command("import", "Read the full OurAirports airports.csv into a catalogue file and the airports table (rows without an ident or position are counted and skipped)") { csv, outFile };
        import.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(csv)!;
            var result = Read(path);
            if (result.Airports.Count == 0)
            {
                throw new CliException($"{path} holds no usable airport{(result.FirstProblem is null ? "" : $" ({result.FirstProblem})")}", ExitCodes.Input);
            }

            var target = parseResult.GetValue(outFile)!;
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
                var temporary = target + ".tmp";
                await using (var stream = File.Create(temporary))
                {
                    OurAirportsReader.WriteJson(result.Airports, stream);
                }

                File.Move(temporary, target, overwrite: true); // a reader never sees half a file
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"Cannot write {target}: {ex.Message}", ExitCodes.Input, ex);
            }

            var loaded = await LoadTableAsync(result.Airports, parseResult.GetValue(FlightsCommandLine.Verbose), output, cancellationToken);
            var byType = result.Airports.GroupBy(a => a.Type).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Imported {result.Airports.Count:N0} airports into {target} ({string.Join(", ", byType)}); skipped {result.Skipped:N0}{(result.FirstProblem is null ? "" : $" (first: {result.FirstProblem})")}"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"airports table: {loaded.Inserted:N0} new, {loaded.Updated:N0} updated, {loaded.Unchanged:N0} unchanged"));
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                airports = result.Airports.Count,
                skipped = result.Skipped,
                file = target,
                table_inserted = loaded.Inserted,
                table_updated = loaded.Updated,
                table_unchanged = loaded.Unchanged,
            }));
            return ExitCodes.Ok;
        });

        var latitude = new Argument<double>("latitude") { Description = "Degrees north" };
        var longitude = new Argument<double>("longitude") { Description = "Degrees east" };
        var radius = new Option<double>("--radius") { Description = "Search radius in km", DefaultValueFactory = _ => 10 };
        var file = new Option<string?>("--airports") { Description = "Catalogue file (airports.csv or an imported .json); default: the built-in medium and large airports" };
        var nearest = new Command("nearest", "The nearest airport to a position within a radius") { latitude, longitude, radius, file };
        nearest.SetAction(async (parseResult, cancellationToken) =>
        {
            var catalogue = parseResult.GetValue(file) is { } path ? new AirportCatalogue(Read(path).Airports) : AirportCatalogue.BuiltIn;
            var point = new GeoPoint(parseResult.GetValue(latitude), parseResult.GetValue(longitude));
            if (point.Latitude is < -90 or > 90 || point.Longitude is < -180 or > 180)
            {
                throw new CliException("the position must be latitude -90..90 and longitude -180..180", ExitCodes.Configuration);
            }

            if (catalogue.Nearest(point, parseResult.GetValue(radius)) is not { } match)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"No airport within {parseResult.GetValue(radius)} km"));
                return ExitCodes.Ok;
            }

            var a = match.Airport;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{a.Ident} {a.IataCode} {a.Name} ({a.Municipality}, {a.IsoCountry}), {a.Type}, elevation {a.ElevationM:0} m, {match.DistanceKm:0.00} km away"));
            return ExitCodes.Ok;
        });

        var airports = new Command("airports", "The airport catalogue (OurAirports)");
        airports.Subcommands.Add(import);
        airports.Subcommands.Add(nearest);
        return airports;
    }

    // The schema first (the table may not exist yet), but without the built-in catalogue: this import is the
    // catalogue, and the built-in one would add airports the file chose to leave out.
    private static async Task<AirportLoadResult> LoadTableAsync(IReadOnlyList<Airport> airports, bool verbose, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = await CliHost.CreateAsync(new CliHostOptions(verbose, StartLocalPostgres: true), output, cancellationToken);
        using var app = host.Build();
        var owner = app.Services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseOptions.OwnerConnectionStringName);
        await new MigrationRunner(owner, app.Services.GetRequiredService<ILogger<MigrationRunner>>(), loadBuiltInAirports: false).MigrateAsync(cancellationToken);
        try
        {
            return await AirportsTable.LoadAsync(owner, airports.Select(AirportsTable.ToRow), cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"The airports table was left as it was: {ex.Message}", ExitCodes.Input, ex);
        }
    }

    private static AirportReadResult Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"Airport file not found: {path}", ExitCodes.Input);
        }

        try
        {
            return AirportCatalogue.ReadFile(path);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or IOException)
        {
            throw new CliException($"{path} is not an OurAirports airports file: {ex.Message}", ExitCodes.Input, ex);
        }
    }
}
