using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>Runs the real `flights` command as a child process, with its own environment, as a user would.</summary>
public sealed class FlightsProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private FlightsProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output { get { lock (stdout) { return stdout.ToString(); } } }

    public string Error { get { lock (stderr) { return stderr.ToString(); } } }

    // The CLI's own build output, as `dotnet run` and setup.sh run it: the test assembly sits in
    // tests/Flights.Tests.Integration/bin/<Configuration>/<tfm>/, the CLI in functions/Flights.Cli/bin/<Configuration>/<tfm>/.
    // The copy of flights.dll beside the tests cannot run: the CLI is built for this machine's platform
    // (ReadyToRun), with librdkafka beside it, while the test project keeps its native files under runtimes/.
    private static readonly string CliPath = FindCli();

    private static string FindCli()
    {
        var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryRoot.Path, "functions", "Flights.Cli", "bin", testDir.Parent!.Name, testDir.Name, "flights.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"flights.dll not found at {path}: build functions/Flights.Cli first", path);
    }

    public static FlightsProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Start from a clean slate: no settings leak in from the test runner's environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("Kafka__", StringComparison.Ordinal) || k.StartsWith("OpenSky__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        // Loading the built-in airports costs about a second per fresh schema here (measured); a test that needs
        // them says Airports__LoadBuiltIn=true.
        start.Environment["Airports__LoadBuiltIn"] = "false";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.WorkingDirectory = RepositoryRoot.Path;
        return new FlightsProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start flights"));
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(environment, args);
        var exit = await process.WaitAsync(timeout);
        return (exit, process.Output, process.Error);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"flights did not finish within {timeout}. Output:\n{Output}\nError:\n{Error}");
        }

        process.WaitForExit(); // drains the redirected streams
        return process.ExitCode;
    }

    /// <summary>Ctrl+C, as a person stops `flights run`.</summary>
    public void Interrupt()
    {
        if (sys_kill(process.Id, 2 /* SIGINT */) != 0)
        {
            throw new InvalidOperationException("could not send SIGINT");
        }
    }

    /// <summary>SIGTERM, as Kubernetes, KEDA scaling in, or systemd stops a process.</summary>
    public void Terminate()
    {
        if (sys_kill(process.Id, 15 /* SIGTERM */) != 0)
        {
            throw new InvalidOperationException("could not send SIGTERM");
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

#pragma warning disable SYSLIB1054 // a single libc call; LibraryImport would need unsafe code for nothing
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int sys_kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
