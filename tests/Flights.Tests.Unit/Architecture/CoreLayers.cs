using System.Reflection;
using System.Text.RegularExpressions;

namespace Flights.Tests.Unit.Architecture;

/// <summary>
/// The layers of functions/Flights.Core (issue 17): each folder is a namespace, and a folder may use only the
/// folders its row names. The rows form no loop, so the core reads top-down: Processing and Ingestion orchestrate;
/// Kafka, Storage and Monitoring do I/O; Sessions (the pure rules), OpenSky, Airports and Enrichment stand alone.
/// Files at the root (the composition root, <c>UnixTime</c>) may use every folder, and every folder may use the
/// root namespace. A new folder needs a row here before it builds green.
/// </summary>
internal static partial class CoreLayers
{
    /// <summary>The layer of files directly in Flights.Core.</summary>
    public const string Root = "(root)";

    private static readonly string[] Orchestrators = ["Kafka", "Storage", "Sessions", "Monitoring", "OpenSky", "Airports"];

    /// <summary>Per folder, the folders it may depend on; anything else is a violation.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Sessions"] = [],
        ["OpenSky"] = [],
        ["Airports"] = [],
        ["Enrichment"] = [],
        ["Simulation"] = ["Airports", "OpenSky"],
        ["Kafka"] = ["OpenSky"],
        ["Storage"] = ["Sessions", "Airports", "OpenSky"],
        ["Monitoring"] = ["Kafka", "Storage"],
        ["Processing"] = Orchestrators,
        ["Ingestion"] = Orchestrators,
    };

    /// <summary>True when code in <paramref name="from"/> may use <paramref name="to"/>.</summary>
    public static bool MayUse(string from, string to) =>
        from == to || from == Root || to == Root || (Allowed.TryGetValue(from, out var allowed) && allowed.Contains(to));

    /// <summary>
    /// Checks source files (path relative to the project folder with '/' separators, and text): every file's
    /// namespace matches its folder, every folder has a row, and every reference to another folder's namespace
    /// (a using, a using static or alias, a qualified name, a name qualified from a sibling namespace such as
    /// <c>Processing.StateBatchProcessor</c>) is allowed. One line per violation, naming file, line and import.
    /// </summary>
    public static IReadOnlyList<string> CheckSources(string rootNamespace, IReadOnlyList<(string Path, string Text)> files)
    {
        var violations = new List<string>();
        var folders = files.Select(f => FolderOf(f.Path)).Where(f => f != Root).ToHashSet();
        folders.UnionWith(Allowed.Keys);

        // The types each folder declares, to recognise `Folder.Type` written without the root prefix.
        var declared = files
            .GroupBy(f => FolderOf(f.Path))
            .ToDictionary(g => g.Key, g => g.SelectMany(f => TypeDeclaration().Matches(StripComments(f.Text)).Select(m => m.Groups["name"].Value)).ToHashSet());

        var qualified = QualifiedName(rootNamespace);
        var globalUsing = GlobalCoreUsing(rootNamespace);
        var siblings = declared.Where(d => d.Key != Root).Select(d => (Folder: d.Key, Types: d.Value, Pattern: SiblingQualified(d.Key))).ToList();

        foreach (var (path, text) in files)
        {
            var folder = FolderOf(path);
            if (folder != Root && !Allowed.ContainsKey(folder))
            {
                violations.Add($"{path}: folder {folder} has no row in CoreLayers.Allowed; give it one (what it may depend on)");
            }

            var expected = rootNamespace + string.Concat(path.Split('/')[..^1].Select(d => "." + d));
            var namespaces = NamespaceDeclaration().Matches(text).Select(m => m.Groups["name"].Value).ToList();
            if (namespaces.Count == 0)
            {
                violations.Add($"{path}: declares no namespace (expected {expected})");
            }

            foreach (var ns in namespaces.Where(n => n != expected))
            {
                violations.Add($"{path}: namespace {ns} does not match its folder (expected {expected})");
            }

            var lines = StripComments(text).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (NamespaceDeclaration().IsMatch(line))
                {
                    continue;
                }

                if (globalUsing.IsMatch(line))
                {
                    violations.Add($"{path}:{i + 1}: a global using of a core namespace hides every file's real dependencies (`{line.Trim()}`)");
                }

                var targets = qualified.Matches(line)
                    .Select(m => m.Groups["folder"].Value)
                    .Select(f => folders.Contains(f) ? f : Root) // Flights.Core.UnixTime: a root type
                    .ToList();
                foreach (var (other, types, pattern) in siblings.Where(s => s.Folder != folder))
                {
                    targets.AddRange(pattern.Matches(line).Where(m => types.Contains(m.Groups["type"].Value)).Select(_ => other));
                }

                foreach (var target in targets.Distinct().Where(t => !MayUse(folder, t)))
                {
                    violations.Add($"{path}:{i + 1}: {folder} must not depend on {target} (`{line.Trim()}`); {Describe(folder)}");
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// Checks the compiled <paramref name="types"/> under <paramref name="rootNamespace"/>: base types,
    /// interfaces, fields (compiler-made state machines and closures included), properties, events and method
    /// signatures must name only types of allowed layers. One line per type and forbidden type it refers to.
    /// </summary>
    public static IReadOnlyList<string> CheckSignatures(string rootNamespace, IEnumerable<Type> types)
    {
        var violations = new List<string>();
        foreach (var type in types.Where(t => InRoot(rootNamespace, t.Namespace)))
        {
            var layer = LayerOf(rootNamespace, type.Namespace!);
            var referenced = Referenced(type)
                .SelectMany(Unwrap)
                .Where(r => InRoot(rootNamespace, r.Namespace))
                .Select(r => (Type: r, Layer: LayerOf(rootNamespace, r.Namespace!)))
                .Where(r => !MayUse(layer, r.Layer))
                .Select(r => r.Type.FullName ?? r.Type.Name)
                .Distinct()
                .Order(StringComparer.Ordinal);
            violations.AddRange(referenced.Select(r => $"{type.FullName} ({layer}) refers to {r}; {Describe(layer)}"));
        }

        return violations;
    }

    /// <summary>The layer of a source file, by its first folder.</summary>
    public static string FolderOf(string path) => path.Contains('/', StringComparison.Ordinal) ? path[..path.IndexOf('/', StringComparison.Ordinal)] : Root;

    private static string LayerOf(string rootNamespace, string ns) =>
        ns == rootNamespace ? Root : ns[(rootNamespace.Length + 1)..].Split('.')[0];

    private static bool InRoot(string rootNamespace, string? ns) =>
        ns is not null && (ns == rootNamespace || ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal));

    private static string Describe(string folder) =>
        Allowed.TryGetValue(folder, out var allowed) && allowed.Length > 0
            ? $"{folder} may depend on {string.Join(", ", allowed)}"
            : $"{folder} may depend on no other folder";

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var f in type.GetFields(All))
        {
            yield return f.FieldType;
        }

        foreach (var p in type.GetProperties(All))
        {
            yield return p.PropertyType;
        }

        foreach (var e in type.GetEvents(All))
        {
            if (e.EventHandlerType is { } handler)
            {
                yield return handler;
            }
        }

        foreach (var m in type.GetMethods(All))
        {
            yield return m.ReturnType;
            foreach (var p in m.GetParameters())
            {
                yield return p.ParameterType;
            }
        }

        foreach (var c in type.GetConstructors(All))
        {
            foreach (var p in c.GetParameters())
            {
                yield return p.ParameterType;
            }
        }
    }

    // Dictionary<string, List<CleanState>>[] names CleanState too.
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var t in Unwrap(type.GetElementType()!))
            {
                yield return t;
            }

            yield break;
        }

        if (type.IsGenericParameter)
        {
            yield break;
        }

        yield return type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Unwrap))
            {
                yield return t;
            }
        }
    }

    // Ordinary comments may name anything; XML docs stay, since a cref is a reference the compiler checks.
    private static string StripComments(string text) => OrdinaryComment().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));

    [GeneratedRegex(@"/\*.*?\*/|(?<!/)//(?!/)[^\n]*", RegexOptions.Singleline)]
    private static partial Regex OrdinaryComment();

    [GeneratedRegex(@"^\s*namespace\s+(?<name>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|record|struct|enum|interface)\s+(?:struct\s+|class\s+)?(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    private static Regex QualifiedName(string rootNamespace) => new(@"(?<![\w.])" + Regex.Escape(rootNamespace) + @"\.(?<folder>\w+)");

    private static Regex GlobalCoreUsing(string rootNamespace) => new(@"^\s*global\s+using\s+(static\s+)?(\w+\s*=\s*)?" + Regex.Escape(rootNamespace) + @"\.");

    private static Regex SiblingQualified(string folder) => new(@"(?<![\w.])" + Regex.Escape(folder) + @"\.(?<type>[A-Z]\w*)");
}
