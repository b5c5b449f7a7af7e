using System.Reflection;
using Flights.Core;
using Flights.Tests.Unit.Architecture.FakeCore.Storage;

namespace Flights.Tests.Unit.Architecture;

/// <summary>functions/Flights.Core is built in one-way layers (<see cref="CoreLayers"/>); these tests fail on an import against them.</summary>
public sealed class LayeringTests
{
    private const string CoreNamespace = "Flights.Core";
    private static readonly string CoreFolder = Path.Combine(RepositoryRoot.Path, "functions", "Flights.Core");

    private static readonly Lazy<IReadOnlyList<(string Path, string Text)>> Sources = new(ReadCoreSources);

    private static IReadOnlyList<(string Path, string Text)> CoreSources() => Sources.Value;

    private static IReadOnlyList<(string Path, string Text)> ReadCoreSources()
    {
        var files = Directory.EnumerateFiles(CoreFolder, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(CoreFolder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(Path.Combine(CoreFolder, f))))
            .ToList();
        Assert.True(files.Count > 50, $"only {files.Count} source files found under {CoreFolder}");
        return files;
    }

    [Fact]
    public void Every_core_folder_imports_only_the_folders_its_layer_allows()
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, CoreSources());

        Assert.True(violations.Count == 0, "Layering violations in functions/Flights.Core:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Every_compiled_core_type_names_only_types_of_the_layers_it_may_use()
    {
        var types = typeof(UnixTime).Assembly.GetTypes();

        var violations = CoreLayers.CheckSignatures(CoreNamespace, types);

        Assert.True(violations.Count == 0, "Layering violations in Flights.Core's compiled types:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Every_core_folder_has_a_row_in_the_layer_table_and_the_rows_name_only_folders()
    {
        var folders = Directory.EnumerateDirectories(CoreFolder).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(folders, CoreLayers.Allowed.Keys.Order(StringComparer.Ordinal));
        Assert.All(CoreLayers.Allowed.Values.SelectMany(v => v), target => Assert.Contains(target, folders));
    }

    [Fact]
    public void The_core_project_declares_no_global_using_of_its_own_namespaces()
    {
        var project = File.ReadAllText(Path.Combine(CoreFolder, "Flights.Core.csproj"));

        Assert.DoesNotContain("<Using Include=\"Flights.Core", project, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("using Flights.Core.Processing;", "Storage/Fake.cs:1: Storage must not depend on Processing (`using Flights.Core.Processing;`); Storage may depend on Sessions, Airports, OpenSky")]
    [InlineData("using static Flights.Core.Kafka.StateMessage;", "Storage/Fake.cs:1: Storage must not depend on Kafka (`using static Flights.Core.Kafka.StateMessage;`); Storage may depend on Sessions, Airports, OpenSky")]
    [InlineData("using Marker = Flights.Core.Kafka.SnapshotMarker;", "Storage/Fake.cs:1: Storage must not depend on Kafka (`using Marker = Flights.Core.Kafka.SnapshotMarker;`); Storage may depend on Sessions, Airports, OpenSky")]
    [InlineData("internal sealed record Fake(Flights.Core.Monitoring.PipelineMetrics Metrics);", "Storage/Fake.cs:1: Storage must not depend on Monitoring (`internal sealed record Fake(Flights.Core.Monitoring.PipelineMetrics Metrics);`); Storage may depend on Sessions, Airports, OpenSky")]
    [InlineData("internal sealed record Fake(Processing.StateBatchProcessor Processor);", "Storage/Fake.cs:1: Storage must not depend on Processing (`internal sealed record Fake(Processing.StateBatchProcessor Processor);`); Storage may depend on Sessions, Airports, OpenSky")]
    public void The_checker_names_the_file_line_and_forbidden_import(string line, string expected)
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Storage/Fake.cs", line + "\nnamespace Flights.Core.Storage;\n")]);

        Assert.Equal([expected], violations);
    }

    [Fact]
    public void The_checker_holds_the_pure_rules_to_no_dependency_at_all()
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Sessions/Fake.cs", "using Flights.Core.Storage;\nnamespace Flights.Core.Sessions;\n")]);

        Assert.Equal(["Sessions/Fake.cs:1: Sessions must not depend on Storage (`using Flights.Core.Storage;`); Sessions may depend on no other folder"], violations);
    }

    [Fact]
    public void The_checker_refuses_a_global_using_of_a_core_namespace()
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Processing/Fake.cs", "global using Flights.Core.Storage;\nnamespace Flights.Core.Processing;\n")]);

        Assert.Equal(["Processing/Fake.cs:1: a global using of a core namespace hides every file's real dependencies (`global using Flights.Core.Storage;`)"], violations);
    }

    [Fact]
    public void The_checker_accepts_allowed_imports_comments_and_the_root_namespace()
    {
        const string Allowed = """
            using Flights.Core.Kafka;
            using Flights.Core.Storage;
            using static Flights.Core.UnixTime;

            namespace Flights.Core.Processing;

            // Not Flights.Core.Ingestion.FetchStatesJob: a comment names anything without depending on it.
            internal sealed record Fake(Flights.Core.Sessions.CleanState State);
            """;

        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Processing/Fake.cs", Allowed), ("Fake.cs", "using Flights.Core.Processing;\nnamespace Flights.Core;\n")]);

        Assert.Empty(violations);
    }

    [Fact]
    public void The_checker_finds_a_namespace_that_disagrees_with_its_folder()
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Sessions/Fake.cs", "namespace Flights.Core.Processing;\n"), ("Storage/None.cs", "internal static class None;\n")]);

        Assert.Equal(["Sessions/Fake.cs: namespace Flights.Core.Processing does not match its folder (expected Flights.Core.Sessions)", "Storage/None.cs: declares no namespace (expected Flights.Core.Storage)"], violations);
    }

    [Fact]
    public void The_checker_asks_for_a_row_for_a_new_folder()
    {
        var violations = CoreLayers.CheckSources(CoreNamespace, [.. CoreSources(), ("Weather/Metar.cs", "namespace Flights.Core.Weather;\n")]);

        Assert.Equal(["Weather/Metar.cs: folder Weather has no row in CoreLayers.Allowed; give it one (what it may depend on)"], violations);
    }

    [Fact]
    public void The_compiled_type_checker_finds_a_forbidden_type_inside_generic_arguments_and_arrays()
    {
        var fakeCore = typeof(FakeWriter).Namespace![..^".Storage".Length];
        var types = typeof(FakeWriter).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith(fakeCore, StringComparison.Ordinal) == true);

        var violations = CoreLayers.CheckSignatures(fakeCore, types);

        Assert.Equal([$"{typeof(FakeWriter).FullName} (Storage) refers to {fakeCore}.Processing.FakeProcessor; Storage may depend on Sessions, Airports, OpenSky"], violations);
    }
}
