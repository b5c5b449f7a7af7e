namespace Flights.Tests.Integration.Infrastructure;

/// <summary>Waiting for a long-running `flights` process to say it is ready.</summary>
public static class ProcessOutput
{
    /// <summary>Returns once the process's stdout contains <paramref name="text"/>; fails the test with its stderr after <paramref name="timeout"/>.</summary>
    public static async Task WaitForOutputAsync(this FlightsProcess process, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!process.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"flights never printed \"{text}\". Error: {process.Error}");
            await Task.Delay(50);
        }
    }
}
