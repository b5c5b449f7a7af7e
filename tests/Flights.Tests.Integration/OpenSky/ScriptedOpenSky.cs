using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flights.Tests.Integration.OpenSky;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, port chosen by the OS) that plays OpenSky's API and token
/// endpoint from scripted answers, one per request, and records what it was asked.
/// </summary>
internal sealed class ScriptedOpenSky : IAsyncDisposable
{
    public const string StatesPath = "/api/states/all";
    public const string TokenPath = "/auth/token";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _states = new();
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _tokens = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private ScriptedOpenSky(WebApplication app)
    {
        _app = app;
        _app.Run(HandleAsync);
    }

    public Uri BaseUrl => new(Address, "/api/");

    public Uri TokenUrl => new(Address, TokenPath);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    private Uri Address => new(_app.Urls.Single());

    public static async Task<ScriptedOpenSky> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var server = new ScriptedOpenSky(builder.Build());
        await server._app.StartAsync();
        return server;
    }

    public void OnStates(params Func<HttpContext, Task>[] answers)
    {
        foreach (var answer in answers)
        {
            _states.Enqueue(answer);
        }
    }

    public void OnToken(params Func<HttpContext, Task>[] answers)
    {
        foreach (var answer in answers)
        {
            _tokens.Enqueue(answer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        string body = await reader.ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers.Authorization.FirstOrDefault(),
            body));

        var queue = context.Request.Path == TokenPath ? _tokens : _states;
        if (!queue.TryDequeue(out var answer))
        {
            // An unscripted request is a test failure, made visible as an answer nobody retries into success.
            context.Response.StatusCode = StatusCodes.Status418ImATeapot;
            await context.Response.WriteAsync($"unscripted request {context.Request.Path}", context.RequestAborted);
            return;
        }

        await answer(context);
    }
}

internal sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string Body);

/// <summary>Scripted answers.</summary>
internal static class Answer
{
    public static Func<HttpContext, Task> Json(string json, params (string Name, string Value)[] headers)
        => Text(StatusCodes.Status200OK, json, "application/json", headers);

    public static Func<HttpContext, Task> Status(int status, string text = "", params (string Name, string Value)[] headers)
        => Text(status, text, "text/plain", headers);

    public static Func<HttpContext, Task> Token(string accessToken, int expiresIn = 1800)
        => Json($$"""{"access_token":"{{accessToken}}","expires_in":{{expiresIn}},"token_type":"Bearer","scope":"profile email"}""");

    // Answers only after the client has given up (or after 30 s, so a broken test still ends).
    public static Func<HttpContext, Task> Hang() => async context =>
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
    };

    private static Func<HttpContext, Task> Text(int status, string text, string contentType, (string Name, string Value)[] headers)
        => async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.WriteAsync(text, context.RequestAborted);
        };
}

/// <summary>Collects log entries so a test can count them.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, EventId EventId, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new ListLogger(_entries);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ConcurrentQueue<(LogLevel, EventId, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
