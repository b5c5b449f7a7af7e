using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Sessions;
using Flights.Core.Storage;

namespace Flights.Tests.Unit.Configuration;

/// <summary>The README's settings table, the options classes and the cluster's settings list stay in step.</summary>
public sealed partial class SettingsDocumentationTests
{
    private static readonly Dictionary<string, Type> Sections = new()
    {
        [KafkaOptions.SectionName] = typeof(KafkaOptions),
        [OpenSkyOptions.SectionName] = typeof(OpenSkyOptions),
        [SessionOptions.SectionName] = typeof(SessionOptions),
        [DatabaseOptions.SectionName] = typeof(DatabaseOptions),
        [HealthOptions.SectionName] = typeof(HealthOptions),
        [AirportOptions.SectionName] = typeof(AirportOptions),
        [PositionOptions.SectionName] = typeof(PositionOptions),
    };

    // Settings that are not options-class properties: the connection strings, `flights run`'s switch, librdkafka pass-through, OpenTelemetry, the CLI host's stop.
    private static readonly string[] NotOptionProperties = ["ConnectionStrings__Flights", "ConnectionStrings__FlightsOwner", "ConnectionStrings__FlightsReader", "Run__Fetch", "Kafka__Client__*", "Kafka__Producer__*", "Kafka__Consumer__*", "OTEL_EXPORTER_OTLP_ENDPOINT", "Shutdown__GracePeriod"];

    private static readonly string Root = RepositoryRoot.Path;

    private static HashSet<string> Documented()
    {
        var table = File.ReadAllLines(Path.Combine(Root, "README.md"))
            .SkipWhile(l => l != "## Configuration")
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal) || l == "## Configuration")
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal));
        return table.SelectMany(l => SettingName().Matches(l.Split('|')[1]).Select(m => m.Groups[1].Value)).ToHashSet();
    }

    [Fact]
    public void Every_documented_setting_exists()
    {
        var missing = Documented().Except(NotOptionProperties).Where(name =>
        {
            var parts = name.Split("__");
            return parts.Length != 2 || !Sections.TryGetValue(parts[0], out var type) || type.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance)?.SetMethod is null;
        }).ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Every_setting_is_documented()
    {
        var documented = Documented();
        var undocumented = Sections.SelectMany(s => s.Value.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod?.IsPublic == true)
            .Select(p => $"{s.Key}__{p.Name}"))
            .Where(name => !documented.Contains(name))
            .ToList();

        Assert.Empty(undocumented);
        Assert.Contains("ConnectionStrings__Flights", documented);
    }

    [Fact]
    public void The_cluster_settings_list_names_only_documented_settings()
    {
        using var list = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "tests", "manifests", "app-settings.json")));
        var app = list.RootElement.GetProperty("app").EnumerateArray().Select(e => e.GetString()!).ToList();

        Assert.Empty(app.Except(Documented()));
    }

    [GeneratedRegex("`([A-Za-z_]+(?:__[A-Za-z*]+)*)`")]
    private static partial Regex SettingName();
}
