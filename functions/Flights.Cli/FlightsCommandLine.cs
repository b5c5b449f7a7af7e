using System.CommandLine;
using System.Runtime.InteropServices;
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
        // SIGTERM and Ctrl+C cancel the command's token; each command then stops cleanly within its host's
        // grace period (Shutdown__GracePeriod) and exits 0. System.CommandLine's own handler is off: it ends
        // the process with 130/143 when a command takes longer than ~2 s to stop.
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, stop.Token);
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
