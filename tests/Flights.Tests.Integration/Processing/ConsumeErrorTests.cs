using System.Collections.Concurrent;
using Confluent.Kafka;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Processing;

/// <summary>
/// The local consumer (StateConsumerService in a CliHost, as `flights run` runs it) against the embedded Kafka over
/// TCP and PostgreSQL: a ConsumeException whose error is not fatal is logged and consumption goes on, as Confluent's
/// examples do it; only a fatal error stops the host.
/// </summary>
public sealed class ConsumeErrorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_non_fatal_consume_error_is_logged_as_a_warning_with_its_code_and_the_messages_produced_afterwards_are_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        // The subscribed topic does not exist yet, as when the processor starts before the topic is created: the
        // broker answers UNKNOWN_TOPIC_OR_PART and librdkafka hands that to Consume as a ConsumeException that is
        // not fatal. It is a real error from the broker over TCP, and it concerns only this test's topic.
        var topic = TestKafka.NewTopicName("states-later");
        var dlq = TestKafka.CreateTopic("dlq", partitions: 1);
        var logs = new RecordingLoggerProvider();
        // The consumer looks for the topic again every half second rather than every 5 minutes (librdkafka's default).
        var settings = new Dictionary<string, string?> { ["Kafka:Consumer:TopicMetadataRefreshIntervalMs"] = "500" };
        await using var consumer = await ConsumerHost.StartAsync(db, topic, dlq, settings: settings, logs: logs);

        var logged = await logs.WaitForAsync(e => e.Category == typeof(StateConsumerService).FullName && e.Level == LogLevel.Warning, Patience);
        Assert.Equal(ErrorCode.UnknownTopicOrPart, logged.State["Code"]);
        Assert.Equal($"Kafka consume error UnknownTopicOrPart: Subscribed topic not available: {topic}: Broker: Unknown topic or partition (partition 0 offset -1001); consumption goes on", logged.Message);

        TestKafka.CreateTopicNamed(topic, partitions: 1);
        var messages = Enumerable.Range(0, 40).Select(i => At($"ddd{i:x3}", 0)).ToList();
        PoisonAndOutageTests.Produce(topic, messages);
        await consumer.WaitUntilProcessedAsync(new Dictionary<int, long> { [0] = messages.Count });

        Assert.Equal(40L, await PoisonAndOutageTests.Scalar(db, "select count(*) from live_status"));
        Assert.Equal(40L, await PoisonAndOutageTests.Scalar(db, "select count(*) from flight_sessions"));
        Assert.Equal((0L, 40L), (consumer.Metrics.DeadLettered, consumer.Metrics.Written));
        Assert.Equal(40L, consumer.Consumer.MessagesProcessed);
        Assert.Null(consumer.Services.GetRequiredService<HostFailure>().Failure);
        Assert.False(consumer.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }
}

/// <summary>Keeps every log entry with its category, level, text and structured values.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. entries];

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, entries);

    /// <summary>The first entry that matches, waiting for it up to <paramref name="patience"/>.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (entries.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no such log entry; logged: {string.Join(" | ", entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"))}");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
    }

    internal sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State);

    private sealed class RecordingLogger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : new Dictionary<string, object?>();
            entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), values));
        }
    }
}
