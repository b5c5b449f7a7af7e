using System.Text.RegularExpressions;
using Flights.Tests.Integration.Infrastructure;
using Npgsql;

namespace Flights.Tests.Integration.Setup;

/// <summary>`./setup.sh db start` from a copy of the repository inside a mode-700 directory (root's home in containers).</summary>
public sealed partial class LocalPostgresTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Db_start_runs_a_cluster_for_a_checkout_inside_a_mode_700_directory()
    {
        var home = Directory.CreateTempSubdirectory("mode700-");
        if (!OperatingSystem.IsWindows())
        {
            // Like /root: nobody but the owner may enter.
            File.SetUnixFileMode(home.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var checkout = Directory.CreateDirectory(Path.Combine(home.FullName, "repo"));
        File.Copy(Path.Combine(RepositoryRoot.Path, "setup.sh"), Path.Combine(checkout.FullName, "setup.sh"));
        File.Copy(Path.Combine(RepositoryRoot.Path, "Functions.sln"), Path.Combine(checkout.FullName, "Functions.sln"));
        var script = Path.Combine(checkout.FullName, "setup.sh");
        string? dataDir = null;
        try
        {
            var (exit, output, error) = await SetupScript.RunAsync(script, new Dictionary<string, string?>(), Timeout, "db", "start");

            Assert.True(exit == 0, error);
            dataDir = DataDir().Match(error).Groups[1].Value;
            var export = Assert.Single(output.Trim().Split('\n'));
            var match = ExportLine().Match(export);
            Assert.True(match.Success, export);
            if (Environment.UserName == "root")
            {
                // The 'postgres' user cannot enter the mode-700 directory: the cluster lives outside it.
                Assert.StartsWith("/var/tmp/flights-pg-", dataDir, StringComparison.Ordinal);
            }

            await using (var owner = NpgsqlDataSource.Create(match.Groups[1].Value))
            {
                Assert.Equal("flights", await Scalar(owner, "select current_user"));
            }

            var (urlExit, readerUrl, _) = await SetupScript.RunAsync(script, new Dictionary<string, string?>(), Timeout, "db", "url", "reader");
            Assert.Equal(0, urlExit);
            await using (var reader = NpgsqlDataSource.Create(readerUrl.Trim()))
            {
                Assert.Equal("flights_reader", await Scalar(reader, "select current_user"));
            }
        }
        finally
        {
            await SetupScript.RunAsync(script, new Dictionary<string, string?>(), Timeout, "db", "stop");
            if (dataDir is { Length: > 0 } && dataDir.StartsWith("/var/tmp/flights-pg-", StringComparison.Ordinal))
            {
                Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
            }

            home.Delete(recursive: true);
        }
    }

    private static async Task<string?> Scalar(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (string?)await command.ExecuteScalarAsync();
    }

    [GeneratedRegex(@"\(data: (.+)\)\.")]
    private static partial Regex DataDir();

    [GeneratedRegex("^export ConnectionStrings__Flights='(Host=127.0.0.1;Port=[0-9]+;Username=flights;Database=flights;.*)'$")]
    private static partial Regex ExportLine();
}
