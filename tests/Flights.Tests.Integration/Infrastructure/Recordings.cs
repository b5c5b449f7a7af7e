using System.IO.Compression;
using System.Security.Cryptography;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>One line of tests/recordings.manifest.</summary>
/// <param name="Name">The file name the tests open.</param>
/// <param name="Sha256">SHA-256 of the origin's file, which is what the tests read (after <paramref name="Transform"/> is undone).</param>
/// <param name="Transform"><c>none</c> (stored as published) or <c>gzip</c> (stored gzip-compressed).</param>
/// <param name="Path">The origin path under the manifest's base URL.</param>
public sealed record Recording(string Name, string Sha256, string Transform, string Path);

/// <summary>
/// The one way tests find recorded OpenSky data: ../shared/data/opensky beside the repository when it is
/// there, else the cache .local/recordings that `./setup.sh recordings` fills. Each use checks the file's
/// SHA-256 against tests/recordings.manifest, so a truncated or altered copy fails instead of testing
/// something else.
/// </summary>
public static class Recordings
{
    /// <summary>The manifest in the repository.</summary>
    public static string ManifestPath => System.IO.Path.Combine(RepositoryRoot.Path, "tests", "recordings.manifest");

    /// <summary>Where the tests look, in order.</summary>
    public static IReadOnlyList<string> Directories =>
    [
        System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot.Path, "..", "shared", "data", "opensky")),
        System.IO.Path.Combine(RepositoryRoot.Path, ".local", "recordings"),
    ];

    /// <summary>The verified path of a recording; fails the test with one line saying what to run when it is missing or wrong.</summary>
    public static string Path(string name) => Find(name, Load(ManifestPath), Directories);

    /// <summary>Reads a manifest: <c>base-url URL</c> and <c>name sha256 transform path</c> lines; <c>#</c> starts a comment.</summary>
    public static IReadOnlyList<Recording> Load(string manifestPath) =>
        File.ReadLines(manifestPath)
            .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 4 && !fields[0].StartsWith('#'))
            .Select(fields => new Recording(fields[0], fields[1], fields[2], fields[3]))
            .ToList();

    /// <summary>The first copy of <paramref name="name"/> in <paramref name="directories"/> whose checksum matches.</summary>
    public static string Find(string name, IReadOnlyList<Recording> manifest, IReadOnlyList<string> directories)
    {
        var recording = manifest.SingleOrDefault(r => r.Name == name)
            ?? throw new InvalidOperationException($"Recording {name} is not listed in tests/recordings.manifest.");
        string? wrong = null;
        foreach (var directory in directories)
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (!File.Exists(candidate))
            {
                continue;
            }

            var digest = Digest(candidate, recording.Transform);
            if (digest == recording.Sha256)
            {
                return candidate;
            }

            wrong ??= $"Recording {name} at {candidate} has SHA-256 {digest}, not {recording.Sha256} as tests/recordings.manifest says: run ./setup.sh recordings to fetch it again.";
        }

        throw new FileNotFoundException(wrong ?? $"Recording {name} is in neither ../shared/data/opensky nor .local/recordings: run ./setup.sh recordings to download it.");
    }

    private static string Digest(string path, string transform)
    {
        using var file = File.OpenRead(path);
        try
        {
            using Stream content = transform switch
            {
                "none" => file,
                "gzip" => new GZipStream(file, CompressionMode.Decompress, leaveOpen: true),
                _ => throw new InvalidOperationException($"Unknown transform '{transform}' in tests/recordings.manifest."),
            };
            return Convert.ToHexStringLower(SHA256.HashData(content));
        }
        catch (InvalidDataException)
        {
            return "(not gzip)";
        }
    }
}
