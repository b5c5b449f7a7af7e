using System.Collections.Concurrent;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>
/// One test's dashboard: its own database (filled by the test's seed), the app serving it, and either a
/// browser page or an HTTP client on it. Disposing stops all of it.
/// </summary>
public sealed class OpenDashboard : IAsyncDisposable
{
    private OpenDashboard(TestDatabase database, WebApplication app, ConcurrentQueue<string> logs)
    {
        Database = database;
        App = app;
        Logs = logs;
        Root = app.Urls.First();
        Http = new HttpClient { BaseAddress = new Uri(Root) };
    }

    public TestDatabase Database { get; }

    public WebApplication App { get; }

    /// <summary>The app's log entries at warning or above.</summary>
    public ConcurrentQueue<string> Logs { get; }

    public string Root { get; }

    public HttpClient Http { get; }

    public IBrowser? Browser { get; private set; }

    public IPage Page => page ?? throw new InvalidOperationException("opened without a browser");

    /// <summary>The page's console errors (CSP violations among them) and uncaught exceptions.</summary>
    public List<string> Errors { get; } = [];

    private IPage? page;

    /// <summary>Seeds a new database, serves the dashboard over it and, with <paramref name="browser"/>, opens a 1280x800 page.</summary>
    public static async Task<OpenDashboard> StartAsync(Func<TestDatabase, Task>? seed = null, bool browser = true, string? timezone = null)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        if (seed is not null)
        {
            await seed(database);
        }

        var logs = new ConcurrentQueue<string>();
        var dashboard = new OpenDashboard(database, await DashboardHost.StartAsync(database, logs), logs);
        if (browser)
        {
            dashboard.Browser = await DashboardHost.LaunchAsync();
            dashboard.page = await dashboard.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 }, TimezoneId = timezone });
            dashboard.page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    dashboard.AddError(message.Text + " " + message.Location);
                }
            };
            dashboard.page.PageError += (_, error) => dashboard.AddError(error);
        }

        return dashboard;
    }

    /// <summary>Opens a path of the dashboard in the page.</summary>
    public Task<IResponse?> GotoAsync(string path) => Page.GotoAsync(Root + path);

    /// <summary>Fails when the page logged an error or broke the content security policy.</summary>
    public void AssertNoErrors()
    {
        lock (Errors)
        {
            Assert.True(Errors.Count == 0, string.Join("\n", Errors));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        await App.DisposeAsync();
        await Database.DisposeAsync();
    }

    private void AddError(string error)
    {
        lock (Errors)
        {
            Errors.Add(error);
        }
    }
}
