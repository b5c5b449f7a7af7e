namespace Flights.Tests.Integration.OpenSky;

/// <summary>Finds the recorded OpenSky responses, which live beside the repository and are never copied into it.</summary>
internal static class RecordedData
{
    public static string PathOf(string fileName)
    {
        string directory = Path.Combine(RepositoryRoot(), "..", "shared", "data", "opensky");
        string path = Path.GetFullPath(Path.Combine(directory, fileName));

        // A missing file fails the test: a silent skip would let the parser go untested on real data.
        Assert.True(
            File.Exists(path),
            $"Recorded OpenSky data not found at {path}. The shared data folder must sit beside the repository root (../shared/data/opensky).");
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }

        Assert.Fail($"No Functions.sln found above {AppContext.BaseDirectory}: cannot locate the repository root.");
        return string.Empty;
    }
}
