using System.Net;
using System.Net.Sockets;
using Flights.Tests.Integration.Infrastructure;

namespace Flights.Tests.Integration.Cli;

/// <summary>`flights run --no-fetch` (or Run__Fetch=false): the consumer, the closer and the dashboard, and no call to OpenSky.</summary>
public sealed class NoFetchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Run_calls_OpenSky_at_start_without_the_flag()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var openSky = new CountingServer();
        using var run = FlightsProcess.Start(Environment(db, openSky), "run", "--no-dashboard");

        await openSky.FirstRequest.WaitAsync(Timeout);

        run.Interrupt();
        await run.WaitAsync(Timeout);
    }

    [Theory]
    [InlineData("--no-fetch")]
    [InlineData("Run__Fetch=false")]
    public async Task Run_without_fetching_runs_the_rest_and_never_calls_OpenSky(string how)
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        using var openSky = new CountingServer();
        var environment = Environment(db, openSky);
        var args = new List<string> { "run", "--urls", $"http://127.0.0.1:{FreePort()}" };
        if (how.StartsWith("--", StringComparison.Ordinal))
        {
            args.Add(how);
        }
        else
        {
            environment[how.Split('=')[0]] = how.Split('=')[1];
        }

        using var run = FlightsProcess.Start(environment, [.. args]);
        await run.WaitForOutputAsync("Pipeline running without fetching (consumer, closer, dashboard). Dashboard: ", Timeout);

        run.Interrupt();
        await run.WaitAsync(Timeout);
        Assert.Equal(0, openSky.Requests);
        Assert.Equal("", run.Error.Trim());
    }

    private static Dictionary<string, string?> Environment(TestDatabase db, CountingServer openSky) => new()
    {
        ["ConnectionStrings__Flights"] = db.ConnectionString,
        ["OpenSky__BaseUrl"] = openSky.BaseUrl + "api/",
        ["OpenSky__MaxRetries"] = "1",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A stand-in OpenSky that answers every request with an empty snapshot and counts them.</summary>
    private sealed class CountingServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly TaskCompletionSource first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int requests;

        public CountingServer()
        {
            BaseUrl = $"http://127.0.0.1:{FreePort()}/";
            listener.Prefixes.Add(BaseUrl);
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    Interlocked.Increment(ref requests);
                    first.TrySetResult();
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync("{\"time\":1766888059,\"states\":[]}"u8.ToArray());
                    context.Response.Close();
                }
            });
        }

        public string BaseUrl { get; }

        public int Requests => Volatile.Read(ref requests);

        public Task FirstRequest => first.Task;

        public void Dispose() => listener.Close();
    }
}
