using Dapper;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>The processor and closer wired to one test database, with helpers to read what they wrote.</summary>
public sealed class TestPipeline
{
    private TestPipeline(TestDatabase database, SessionOptions options, IDeadLetterSink deadLetters, int writers, int minAircraftPerWriter)
    {
        Database = database;
        Options = options;
        DeadLetters = deadLetters;
        Metrics = new PipelineMetrics();
        Writer = new SmartWriter(database.DataSource, new SessionRules(options), writers: writers, minAircraftPerWriter: minAircraftPerWriter);
        Processor = new StateBatchProcessor(Writer, deadLetters, Microsoft.Extensions.Options.Options.Create(options), Metrics, NullLogger<StateBatchProcessor>.Instance);
        Closer = new StaleFlightCloser(database.DataSource, Microsoft.Extensions.Options.Options.Create(options), Metrics, NullLogger<StaleFlightCloser>.Instance);
    }

    public TestDatabase Database { get; }

    public SessionOptions Options { get; }

    public IDeadLetterSink DeadLetters { get; }

    public PipelineMetrics Metrics { get; }

    public SmartWriter Writer { get; }

    public StateBatchProcessor Processor { get; }

    public StaleFlightCloser Closer { get; }

    /// <summary>The pipeline for <paramref name="database"/>; the writer splits large batches as in production unless told otherwise.</summary>
    public static TestPipeline For(TestDatabase database, SessionOptions? options = null, IDeadLetterSink? deadLetters = null, int writers = SmartWriter.DefaultWriters, int minAircraftPerWriter = SmartWriter.DefaultMinAircraftPerWriter) =>
        new(database, options ?? new SessionOptions(), deadLetters ?? new RecordingDeadLetterSink(), writers, minAircraftPerWriter);

    /// <summary>
    /// Processes the messages as one snapshot of a one-partition topic, the way the publisher sends it: the states,
    /// then the snapshot marker (at the newest snapshot time among them). The closer's lifecycle clock is built
    /// from markers, so the lifecycle tests keep their meaning: "the clock moved to minute 24".
    /// </summary>
    public Task<BatchResult> ProcessAsync(params IncomingMessage[] messages) => Processor.ProcessAsync(WithMarker(messages), CancellationToken.None);

    /// <summary>Processes exactly the given messages (no marker added).</summary>
    public Task<BatchResult> ProcessWithoutMarkerAsync(params IncomingMessage[] messages) => Processor.ProcessAsync(messages, CancellationToken.None);

    private static IncomingMessage[] WithMarker(IncomingMessage[] messages)
    {
        long? newest = null;
        foreach (var message in messages)
        {
            if (message.Value is not null && StateMessage.Read(message.Value, out var envelope, out _, out _) == MessageKind.State)
            {
                newest = Math.Max(newest ?? long.MinValue, envelope.SnapshotTime);
            }
        }

        return newest is { } time
            ? [.. messages, new IncomingMessage(messages[0].Topic, 0, messages.Max(m => m.Offset) + 1, null, StateMessage.SerializeMarker(new SnapshotMarker(time, 1)))]
            : messages;
    }

    public async Task<IReadOnlyList<SessionRow>> SessionsAsync(string icao24)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<SessionRow>("""
            select s.session_id as SessionId, s.callsign as Callsign, s.started_at as StartedAt, s.ended_at as EndedAt,
                   s.start_reason as StartReason, s.end_reason as EndReason, s.last_signal_at as LastSignalAt,
                   s.last_point_at as LastPointAt, s.point_count as PointCount, s.state_count as StateCount,
                   s.max_gap_s as MaxGapSeconds, s.route::text as Route
            from flight_sessions_current s join dim_aircrafts d using (aircraft_id)
            where d.transponder_hex = @icao24
            order by s.started_at, s.session_id
            """, new { icao24 });
        return rows.ToList();
    }

    public async Task<LiveRow?> LiveAsync(string icao24)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<LiveRow>("""
            select l.callsign as Callsign, l.last_contact as LastContact, l.position_time as PositionTime, l.latitude as Latitude,
                   l.longitude as Longitude, l.velocity_kmh as VelocityKmh, l.on_ground as OnGround
            from live_status l join dim_aircrafts d using (aircraft_id) where d.transponder_hex = @icao24
            """, new { icao24 });
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value: " + sql);
    }

    /// <summary>Every table's rows as text, for "nothing changed" comparisons.</summary>
    public async Task<string> DumpAsync()
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        var parts = new List<string>();
        foreach (var table in new[] { "dim_aircrafts", "live_status", "flight_sessions_current", "pipeline_state" })
        {
            var rows = await connection.QueryAsync<string>($"select to_jsonb(t)::text from {table} t order by 1");
            parts.Add(table + ":\n" + string.Join("\n", rows));
        }

        return string.Join("\n", parts);
    }
}

public sealed class SessionRow
{
    public long SessionId { get; init; }

    public string? Callsign { get; init; }

    public DateTime StartedAt { get; init; }

    public DateTime? EndedAt { get; init; }

    public string StartReason { get; init; } = "";

    public string? EndReason { get; init; }

    public DateTime LastSignalAt { get; init; }

    public DateTime? LastPointAt { get; init; }

    public int PointCount { get; init; }

    public int StateCount { get; init; }

    public int MaxGapSeconds { get; init; }

    public string Route { get; init; } = "[]";

    /// <summary>The times of the route's points, in stored order.</summary>
    public DateTime[] PointTimes => System.Text.Json.JsonDocument.Parse(Route).RootElement.EnumerateArray()
        .Select(p => p.GetProperty("t").GetDateTimeOffset().UtcDateTime).ToArray();
}

public sealed class LiveRow
{
    public string? Callsign { get; init; }

    public DateTime LastContact { get; init; }

    public DateTime? PositionTime { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    public double? VelocityKmh { get; init; }

    public bool OnGround { get; init; }
}

/// <summary>A dead-letter sink that keeps what it was given (the Kafka one is tested against the embedded Kafka).</summary>
public sealed class RecordingDeadLetterSink : IDeadLetterSink
{
    public List<(IncomingMessage Message, string Error)> Sent { get; } = [];

    public Task SendAsync(IReadOnlyList<(IncomingMessage Message, string Error)> messages, CancellationToken cancellationToken)
    {
        lock (Sent)
        {
            Sent.AddRange(messages);
        }

        return Task.CompletedTask;
    }
}
