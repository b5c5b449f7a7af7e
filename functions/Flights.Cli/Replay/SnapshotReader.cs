using System.IO.Compression;
using Flights.Cli.Hosting;
using Flights.Core.OpenSky;

namespace Flights.Cli.Replay;

/// <summary>What a recording held besides its snapshots, for the replay summary.</summary>
/// <param name="Snapshots">The snapshots, ordered by time, each time once.</param>
/// <param name="Duplicates">Snapshots dropped because the recording held their time already.</param>
/// <param name="Skipped">Files or zip entries that are not .json / .json.gz responses (folders not counted), by name.</param>
public sealed record Recording(IReadOnlyList<StatesSnapshot> Snapshots, int Duplicates, IReadOnlyList<string> Skipped);

/// <summary>
/// Reads recorded <c>/api/states/all</c> responses: one .json or .json.gz file, a folder of them, or a .zip
/// of them. Snapshots come back ordered by their <c>time</c>, each time once (recordings repeat snapshots).
/// </summary>
public static class SnapshotReader
{
    public static IReadOnlyList<StatesSnapshot> Read(string path) => ReadRecording(path).Snapshots;

    /// <summary>
    /// Fails as <see cref="ReadRecording"/> would when the input is unusable as a whole (missing, or a .zip that is
    /// not one), without reading it: cheap, so that a replay refuses such input before it starts anything.
    /// </summary>
    public static void CheckReadable(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            throw NotFound(path);
        }

        if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            // Reads only the archive's central directory.
            using var zip = OpenZip(path);
        }
    }

    /// <summary>Reads the recording and says what was skipped in it.</summary>
    public static Recording ReadRecording(string path)
    {
        var snapshots = new List<StatesSnapshot>();
        var skipped = new List<string>();
        if (Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!IsResponseFile(file))
                {
                    skipped.Add(Path.GetRelativePath(path, file));
                    continue;
                }

                snapshots.Add(ParseFile(file, File.ReadAllBytes(file)));
            }
        }
        else if (File.Exists(path))
        {
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                using var zip = OpenZip(path);
                foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
                {
                    if (!IsResponseFile(entry.FullName))
                    {
                        // Folder entries end with '/' and hold nothing; anything else is reported, not silently dropped.
                        if (!entry.FullName.EndsWith('/'))
                        {
                            skipped.Add(entry.FullName);
                        }

                        continue;
                    }

                    using var stream = entry.Open();
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    snapshots.Add(ParseFile($"{path}!{entry.FullName}", buffer.ToArray()));
                }
            }
            else
            {
                snapshots.Add(ParseFile(path, File.ReadAllBytes(path)));
            }
        }
        else
        {
            throw NotFound(path);
        }

        if (snapshots.Count == 0)
        {
            throw new CliException($"No recorded responses (.json, .json.gz) found in {path}{(skipped.Count > 0 ? $" ({skipped.Count} other files skipped, e.g. {skipped[0]})" : "")}", ExitCodes.Input);
        }

        var distinct = snapshots.GroupBy(s => s.Time).Select(g => g.First()).OrderBy(s => s.Time).ToList();
        return new Recording(distinct, snapshots.Count - distinct.Count, skipped);
    }

    private static CliException NotFound(string path) =>
        new($"Replay input not found: {path} (give a .json, .json.gz or .zip file, or a folder of them)", ExitCodes.Input);

    private static bool IsResponseFile(string name) =>
        name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase);

    private static ZipArchive OpenZip(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException($"Cannot read {path} as a zip archive: {ex.Message}", ExitCodes.Input, ex);
        }
    }

    private static StatesSnapshot ParseFile(string name, byte[] bytes)
    {
        try
        {
            if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }

            return StatesParser.Parse(bytes);
        }
        catch (OpenSkyFormatException ex)
        {
            throw new CliException($"{name} is not an OpenSky /states/all response: {ex.Message}", ExitCodes.Input, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException($"{name} is not a readable gzip file: {ex.Message}", ExitCodes.Input, ex);
        }
    }
}
