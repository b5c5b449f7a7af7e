using System.CommandLine;
using Flights.Cli.Commands;
using Flights.Cli.Hosting;

namespace Flights.Cli;

/// <summary>The `flights` command: the local host and operations tool. Each command lives in Commands/.</summary>
public static class FlightsCommandLine
{
    /// <summary>Shows logs at Information level and stack traces on errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Show logs and stack traces", Recursive = true };

    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("flights: the OpenSky flight-tracking pipeline on one machine, and its operations tool");
        root.Options.Add(Verbose);
        root.Subcommands.Add(RunCommand.Create(output));
        root.Subcommands.Add(ReplayCommand.Create(output));
        root.Subcommands.Add(FetchCommand.Create(output));
        root.Subcommands.Add(StatusCommand.Create(output));
        root.Subcommands.Add(DashboardCommand.Create(output));
        root.Subcommands.Add(DbCommand.Create(output));
        root.Subcommands.Add(AircraftCommand.Create(output));
        root.Subcommands.Add(CloseStaleCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));
        root.Subcommands.Add(SimulateCommand.Create(output));
        root.Subcommands.Add(AirportsCommand.Create(output));
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output);
        var parseResult = root.Parse(args);
        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            var (message, exitCode) = CliErrors.Describe(ex);
            await error.WriteLineAsync($"flights: {message}");
            if (parseResult.GetValue(Verbose))
            {
                await error.WriteLineAsync(ex.ToString());
            }

            return exitCode;
        }
    }
}
