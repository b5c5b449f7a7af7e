using System.IO.Compression;
using Flights.Cli.Hosting;
using Flights.Core.OpenSky;

namespace Flights.Cli.Replay;

/// <summary>
/// Reads recorded <c>/api/states/all</c> responses: one .json or .json.gz file, a folder of them, or a .zip
/// of them. Snapshots come back ordered by their <c>time</c>, each time once (recordings repeat snapshots).
/// </summary>
public static class SnapshotReader
{
    public static IReadOnlyList<StatesSnapshot> Read(string path)
    {
        var snapshots = new List<StatesSnapshot>();
        if (Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsResponseFile).Order(StringComparer.Ordinal))
            {
                snapshots.Add(ParseFile(file, File.ReadAllBytes(file)));
            }
        }
        else if (File.Exists(path))
        {
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                using var zip = OpenZip(path);
                foreach (var entry in zip.Entries.Where(e => IsResponseFile(e.FullName)).OrderBy(e => e.FullName, StringComparer.Ordinal))
                {
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
            throw new CliException($"Replay input not found: {path} (give a .json, .json.gz or .zip file, or a folder of them)", ExitCodes.Input);
        }

        if (snapshots.Count == 0)
        {
            throw new CliException($"No recorded responses (.json, .json.gz) found in {path}", ExitCodes.Input);
        }

        return snapshots.GroupBy(s => s.Time).Select(g => g.First()).OrderBy(s => s.Time).ToList();
    }

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
