using Flights.Core;
using Flights.Core.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flights.Cli.Hosting;

/// <summary>What a command needs from the host.</summary>
/// <param name="Verbose">Information-level logs and stack traces.</param>
/// <param name="StartLocalPostgres">Start the project's local PostgreSQL when ConnectionStrings__Flights is not set.</param>
/// <param name="EmbeddedKafka">Start the embedded development Kafka when Kafka__BootstrapServers is not set.</param>
/// <param name="Web">Serve HTTP (the dashboard, /api/health, /metrics); other commands open no port.</param>
/// <param name="Settings">Settings that take precedence over the environment (tests use this to name their database).</param>
public sealed record CliHostOptions(bool Verbose, bool StartLocalPostgres = false, bool EmbeddedKafka = false, bool Web = false, IReadOnlyDictionary<string, string?>? Settings = null);

/// <summary>
/// Builds the local host every command runs in: the same core registrations as the Functions app, settings
/// from the environment (and appsettings.json / user secrets where present), plus the local defaults: a
/// local PostgreSQL and the embedded Kafka when nothing else is configured.
/// </summary>
public sealed class CliHost : IAsyncDisposable
{
    private readonly StartedFlag started;

    private CliHost(IHostApplicationBuilder builder, EmbeddedKafkaCluster? embeddedKafka, Task kafkaReady, StartedFlag started)
    {
        Builder = builder;
        EmbeddedKafka = embeddedKafka;
        KafkaReady = kafkaReady;
        this.started = started;
    }

    public IHostApplicationBuilder Builder { get; }

    /// <summary>The embedded Kafka (development only), when this host started one.</summary>
    public EmbeddedKafkaCluster? EmbeddedKafka { get; }

    /// <summary>
    /// Completes once the embedded Kafka's topics exist (at once when there is no embedded Kafka). The host's start
    /// waits for it before the consumer; code that produces before the host starts awaits it first.
    /// </summary>
    public Task KafkaReady { get; }

    public IConfiguration Configuration => Builder.Configuration;

    public static async Task<CliHost> CreateAsync(CliHostOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        IHostApplicationBuilder builder = options.Web
            ? WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory })
            : Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        if (options.Settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(options.Settings);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Quiet by default: the progress line and the summary speak for the pipeline; --verbose shows the logs.
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", options.Verbose ? LogLevel.Warning : LogLevel.Error);
        // The resilience pipeline logs every retry attempt with a stack trace; the fetch job's own line says
        // what failed and what happens next.
        builder.Logging.AddFilter("Polly", options.Verbose ? LogLevel.Information : LogLevel.None);
        // A failed start ("Hosting failed to start", with the whole stack) reaches the user as the one line of
        // CliErrors instead; once started, the host's own errors are logged as before.
        var started = new StartedFlag();
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level =>
            level >= (options.Verbose ? LogLevel.Warning : started.IsSet ? LogLevel.Error : LogLevel.Critical));

        var overrides = new Dictionary<string, string?>();
        if (options.StartLocalPostgres && string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Flights")))
        {
            overrides["ConnectionStrings:Flights"] = await LocalPostgres.StartAsync(log, cancellationToken);
        }

        EmbeddedKafkaCluster? embedded = null;
        var kafkaReady = Task.CompletedTask;
        if (options.EmbeddedKafka && string.IsNullOrWhiteSpace(builder.Configuration["Kafka:BootstrapServers"]))
        {
            // Development only: an in-memory Kafka inside this process. Set Kafka__BootstrapServers for a real one.
            embedded = EmbeddedKafkaCluster.Start(brokers: 1);
            var partitions = builder.Configuration.GetValue("Kafka:EmbeddedPartitions", 6);
            var topic = builder.Configuration["Kafka:Topic"] ?? "flight_raw_data";
            var deadLetterTopic = builder.Configuration["Kafka:DeadLetterTopic"] ?? "flight_raw_data.dlq";
            // Made on a thread of their own while the host is built and migrates: the mock cluster answers a
            // topic creation after up to a second now and then (its thread sleeps through the request; seen in
            // about one start in three), which was then all start-up time.
            var cluster = embedded;
            kafkaReady = Task.Run(() =>
            {
                cluster.CreateTopic(topic, partitions);
                cluster.CreateTopic(deadLetterTopic, 1);
            }, cancellationToken);
            overrides["Kafka:BootstrapServers"] = embedded.BootstrapServers;
            // The mock cluster answers a fetch that finds no new data only after fetch.wait.max.ms (500 ms by
            // default), even when messages arrive meanwhile (a real broker answers at once): a consumer that had
            // caught up sat idle for most of that. Measured on a replay of 1,000,000 states: 30 of 53 s idle.
            if (builder.Configuration[EmbeddedFetchWaitSetting] is null)
            {
                overrides[EmbeddedFetchWaitSetting] = "10";
            }
            await log.WriteLineAsync($"No Kafka__BootstrapServers given: using the embedded development Kafka at {embedded.BootstrapServers} (in memory, gone on exit).");
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        AddShutdownHandling(builder);
        builder.Services
            .AddFlightsStorage(builder.Configuration)
            .AddFlightsKafka(builder.Configuration)
            .AddFlightsProcessing(builder.Configuration);
        // After the migrations' hosted service, before any consumer (AddPipeline comes later).
        builder.Services.AddHostedService(_ => new KafkaReadyGate(kafkaReady));
        return new CliHost(builder, embedded, kafkaReady, started);
    }

    /// <summary>
    /// A stop (SIGTERM, Ctrl+C) lets the batch in flight finish and the offsets be committed within
    /// <c>Shutdown__GracePeriod</c>; a failure reported to <see cref="HostFailure"/> (a fatal Kafka error)
    /// stops the host and makes the command exit non-zero.
    /// </summary>
    private static void AddShutdownHandling(IHostApplicationBuilder builder)
    {
        var grace = builder.Configuration.GetValue(GracePeriodSetting, TimeSpan.FromSeconds(30));
        if (grace <= TimeSpan.Zero)
        {
            throw new CliException($"{GracePeriodSetting.Replace(":", "__", StringComparison.Ordinal)} must be a positive duration (hh:mm:ss), not {grace}", ExitCodes.Configuration);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = grace);
        builder.Services.AddSingleton<HostFailure>();
        builder.Services.AddSingleton<IKafkaFatalErrorSink>(sp => sp.GetRequiredService<HostFailure>());
    }

    // librdkafka's fetch.wait.max.ms for the consumers of this process, bound into ConsumerConfig.
    private const string EmbeddedFetchWaitSetting = "Kafka:Consumer:FetchWaitMaxMs";

    /// <summary>The setting that bounds a clean stop.</summary>
    public const string GracePeriodSetting = "Shutdown:GracePeriod";

    /// <summary>Builds the host: a WebApplication when <see cref="CliHostOptions.Web"/> was asked for.</summary>
    public IHost Build()
    {
        IHost host = Builder switch
        {
            WebApplicationBuilder web => web.Build(),
            HostApplicationBuilder plain => plain.Build(),
            _ => throw new InvalidOperationException("unknown host builder"),
        };
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(started.Set);
        return host;
    }

    public ValueTask DisposeAsync()
    {
        EmbeddedKafka?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Holds the host's start until the embedded Kafka's topics exist, so that no client creates them by accident.</summary>
internal sealed class KafkaReadyGate(Task kafkaReady) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => kafkaReady.WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Set once the host has started; the logging filter reads it on every call.</summary>
internal sealed class StartedFlag
{
    private volatile bool isSet;

    public bool IsSet => isSet;

    public void Set() => isSet = true;
}
