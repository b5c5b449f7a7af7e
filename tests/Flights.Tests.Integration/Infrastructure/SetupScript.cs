using System.Diagnostics;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>Runs a copy of ./setup.sh as a person would, with its own environment.</summary>
public static class SetupScript
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string script, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test runner's own database and recordings settings must not leak into the script under test.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("FLIGHTS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.WorkingDirectory = Path.GetDirectoryName(script)!;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        using var cts = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"setup.sh {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await output, await error);
    }
}
