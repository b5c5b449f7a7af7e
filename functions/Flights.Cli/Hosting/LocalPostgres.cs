using System.Diagnostics;

namespace Flights.Cli.Hosting;

/// <summary>
/// Where no ConnectionStrings__Flights is given, `flights run` and `flights replay` start the project's
/// local PostgreSQL through `./setup.sh db start` (the same script the tests use) and use it.
/// </summary>
public static class LocalPostgres
{
    public static async Task<string> StartAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var setup = FindSetupScript() ?? throw new CliException(
            "ConnectionStrings__Flights is not set and ./setup.sh was not found to start a local PostgreSQL: set ConnectionStrings__Flights.", ExitCodes.Configuration);
        await log.WriteLineAsync("No ConnectionStrings__Flights given: starting the local PostgreSQL (./setup.sh db start) ...");
        var start = new ProcessStartInfo("bash", [setup, "db", "start"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new CliException("could not run ./setup.sh db start", ExitCodes.Database);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("export ConnectionStrings__Flights=", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            var last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output";
            throw new CliException($"The local PostgreSQL did not start ({last}): run ./setup.sh db start to see why, or set ConnectionStrings__Flights.", ExitCodes.Database);
        }

        return line["export ConnectionStrings__Flights=".Length..].Trim('\'');
    }

    private static string? FindSetupScript()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "setup.sh");
                if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
