using System.Collections.Concurrent;
using System.Diagnostics;
using Flights.Dashboard;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>The dashboard served over a test database on a loopback port, and the headless browser that opens it.</summary>
public static class DashboardHost
{
    /// <summary>Starts the dashboard; <paramref name="logs"/>, when given, receives every log entry at warning or above.</summary>
    public static async Task<WebApplication> StartAsync(TestDatabase db, ConcurrentQueue<string>? logs = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kafka:BootstrapServers"] = TestKafka.BootstrapServers;
        builder.Configuration["Kafka:Topic"] = TestKafka.CreateTopic("dashboard", 1);
        if (logs is not null)
        {
            builder.Logging.AddProvider(new RecordingLoggerProvider(logs));
        }

        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddFlightsDashboard(builder.Configuration);
        var app = builder.Build();
        app.MapFlightsDashboard();
        await app.StartAsync();
        return app;
    }

    public static async Task<IBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Value,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    /// <summary>Saves a screenshot under artifacts/ (for people to look at) and returns its pixels.</summary>
    public static async Task<Png> ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        var bytes = await page.ScreenshotAsync(new() { Path = Path.Combine(directory, name + ".png"), FullPage = fullPage });
        return Png.Decode(bytes);
    }

    // Installs Debian's chromium when missing (CI starts on a fresh machine); fails with the script's output otherwise.
    private static readonly Lazy<string> Chromium = new(() =>
    {
        var script = Path.Combine(RepositoryRoot.Path, "tests", "install-chromium.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run " + script);
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var path = output.Trim().Split('\n').LastOrDefault()?.Trim();
        if (process.ExitCode != 0 || string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"No Chromium for the browser tests: tests/install-chromium.sh failed ({error.Trim()}). Install Debian's chromium or set CHROMIUM_PATH.");
        }

        return path;
    });

    private sealed class RecordingLoggerProvider(ConcurrentQueue<string> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
