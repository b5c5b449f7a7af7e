using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Setup;

/// <summary>
/// `./setup.sh recordings` against a loopback HTTP server standing in for the public origins (the base URL
/// comes from FLIGHTS_RECORDINGS_BASE_URL), and the tests' helper that finds and verifies recordings.
/// </summary>
public sealed class RecordingsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private static readonly byte[] Capture = Encoding.ASCII.GetBytes("PK pretend zip of responses");
    private static readonly byte[] Snapshot = Encoding.ASCII.GetBytes("{\n    \"time\": 1766888059,\n    \"states\": []\n}");

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("recordings-");
    private readonly List<string> requests = [];

    private string Cache => Path.Combine(work.FullName, "cache");

    private string Manifest => Path.Combine(work.FullName, "recordings.manifest");

    [Fact]
    public async Task Setup_recordings_downloads_each_file_into_the_cache_and_gzips_where_the_manifest_says()
    {
        WriteManifest(Sha(Capture), Sha(Snapshot));
        using var server = Serve(Capture, Snapshot);

        var (exit, _, error) = await RunRecordingsAsync(server.BaseUrl);

        Assert.True(exit == 0, error);
        Assert.Equal(Capture, await File.ReadAllBytesAsync(Path.Combine(Cache, "capture.zip")));
        await using (var gzip = new GZipStream(File.OpenRead(Path.Combine(Cache, "global.json.gz")), CompressionMode.Decompress))
        using (var content = new MemoryStream())
        {
            await gzip.CopyToAsync(content);
            Assert.Equal(Snapshot, content.ToArray());
        }

        Assert.Equal(["/origin-a/capture.zip", "/origin-b/opensky.json"], requests);
        Assert.Empty(Directory.GetFiles(Cache, ".*"));
        var manifest = Recordings.Load(Manifest);
        Assert.Equal(Path.Combine(Cache, "global.json.gz"), Recordings.Find("global.json.gz", manifest, [Path.Combine(work.FullName, "no-shared"), Cache]));
    }

    [Fact]
    public async Task Setup_recordings_does_not_download_again_what_the_cache_holds()
    {
        WriteManifest(Sha(Capture), Sha(Snapshot));
        using var server = Serve(Capture, Snapshot);
        Assert.Equal(0, (await RunRecordingsAsync(server.BaseUrl)).ExitCode);
        requests.Clear();

        var (exit, _, error) = await RunRecordingsAsync(server.BaseUrl);

        Assert.Equal(0, exit);
        Assert.Empty(requests);
        Assert.Contains($"capture.zip is in {Cache} (SHA-256 verified).", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_whose_checksum_differs_from_the_manifest_is_not_kept_and_says_so_in_one_line()
    {
        var expected = Sha(Encoding.ASCII.GetBytes("what the origin published"));
        WriteManifest(expected, Sha(Snapshot));
        using var server = Serve(Capture, Snapshot);

        var (exit, _, error) = await RunRecordingsAsync(server.BaseUrl);

        Assert.Equal(1, exit);
        var lines = error.Trim().Split('\n');
        Assert.Equal($"setup.sh: capture.zip from {server.BaseUrl}/origin-a/capture.zip has SHA-256 {Sha(Capture)}, but tests/recordings.manifest says {expected}: not kept", lines[0]);
        Assert.False(File.Exists(Path.Combine(Cache, "capture.zip")));
        Assert.True(File.Exists(Path.Combine(Cache, "global.json.gz")));
        Assert.Empty(Directory.GetFiles(Cache, ".*"));
    }

    [Fact]
    public void A_missing_recording_fails_with_one_line_naming_setup_recordings()
    {
        WriteManifest(Sha(Capture), Sha(Snapshot));

        var error = Assert.Throws<FileNotFoundException>(() => Recordings.Find("capture.zip", Recordings.Load(Manifest), [Path.Combine(work.FullName, "shared"), Cache]));

        Assert.Equal("Recording capture.zip is in neither ../shared/data/opensky nor .local/recordings: run ./setup.sh recordings to download it.", error.Message);
    }

    [Fact]
    public void A_recording_whose_checksum_differs_fails_with_one_line_naming_setup_recordings()
    {
        WriteManifest(Sha(Capture), Sha(Snapshot));
        Directory.CreateDirectory(Cache);
        var path = Path.Combine(Cache, "capture.zip");
        File.WriteAllBytes(path, Capture[..^1]);

        var error = Assert.Throws<FileNotFoundException>(() => Recordings.Find("capture.zip", Recordings.Load(Manifest), [Cache]));

        Assert.Equal($"Recording capture.zip at {path} has SHA-256 {Sha(Capture[..^1])}, not {Sha(Capture)} as tests/recordings.manifest says: run ./setup.sh recordings to fetch it again.", error.Message);
    }

    [Fact]
    public void The_repository_manifest_lists_both_recordings_with_their_origins()
    {
        var manifest = Recordings.Load(Recordings.ManifestPath);

        Assert.Equal(
            [
                new Recording("dcmetro-20230318-capture.zip", "60a1cca7d667f799e80c09733a3ddd9405638bbfd42ec678620b5b1b95c077dc", "none", "/rlucente-se-jboss/rhde-demo/main/data/dcmetro-20230318-raw_capture_data.zip"),
                new Recording("global-20251228.json.gz", "332ce60d53130b8d9108c571308e33fb2d9fd9a5930c14c4c9e4933e6cea455f", "gzip", "/HusainCode/AirspaceLiveSim/ab88f917d88e41d97fe4e61c3388f385a53d5bf8/opensky.json"),
            ],
            manifest);
    }

    public void Dispose() => work.Delete(recursive: true);

    private void WriteManifest(string captureSha, string snapshotSha) => File.WriteAllText(Manifest,
        $"""
        # test manifest
        base-url http://127.0.0.1:1
        capture.zip {captureSha} none /origin-a/capture.zip
        global.json.gz {snapshotSha} gzip /origin-b/opensky.json
        """);

    private Task<(int ExitCode, string Output, string Error)> RunRecordingsAsync(string baseUrl) =>
        SetupScript.RunAsync(Path.Combine(RepositoryRoot.Path, "setup.sh"), new Dictionary<string, string?>
        {
            ["FLIGHTS_RECORDINGS_MANIFEST"] = Manifest,
            ["FLIGHTS_RECORDINGS_DIR"] = Cache,
            ["FLIGHTS_RECORDINGS_BASE_URL"] = baseUrl,
        }, Timeout, "recordings");

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private LoopbackFiles Serve(byte[] capture, byte[] snapshot) => new(new Dictionary<string, byte[]>
    {
        ["/origin-a/capture.zip"] = capture,
        ["/origin-b/opensky.json"] = snapshot,
    }, requests);

    /// <summary>A loopback HTTP server that answers fixed files by path and records each request.</summary>
    private sealed class LoopbackFiles : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Task serving;

        public LoopbackFiles(IReadOnlyDictionary<string, byte[]> files, List<string> requests)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                BaseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            }

            listener.Prefixes.Add(BaseUrl + "/");
            listener.Start();
            serving = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (HttpListenerException)
                    {
                        return; // stopped
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }

                    var path = context.Request.Url!.AbsolutePath;
                    lock (requests)
                    {
                        requests.Add(path);
                    }

                    if (files.TryGetValue(path, out var body))
                    {
                        await context.Response.OutputStream.WriteAsync(body);
                    }
                    else
                    {
                        context.Response.StatusCode = 404;
                    }

                    context.Response.Close();
                }
            });
        }

        public string BaseUrl { get; }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            serving.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
