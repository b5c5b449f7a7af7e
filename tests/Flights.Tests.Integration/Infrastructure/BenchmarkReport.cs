using System.Text.Json;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>What every benchmark prints: lines of figures, the last one a JSON object of numbers.</summary>
public static class BenchmarkReport
{
    /// <summary>
    /// The report's lines (trimmed, no empty ones), after asserting that the last is one JSON object with exactly
    /// <paramref name="figures"/>, in order, each a number. Returns the JSON object for further checks.
    /// </summary>
    public static (string[] Lines, JsonElement Figures) Read(string output, params string[] figures)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.Equal(figures, last.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(last.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
        return (lines, last.RootElement.Clone());
    }
}
