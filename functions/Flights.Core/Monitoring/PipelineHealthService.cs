using System.Diagnostics.Metrics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Core.Monitoring;

/// <summary>
/// The one definition of pipeline health: reads the warehouse (<c>pipeline_state</c>, live aircraft,
/// open and recently ended flights), Kafka (the processor's lag) and this process's counters, and judges
/// them against <see cref="HealthOptions"/>. The Functions app, the CLI and the dashboard all call this.
/// </summary>
public sealed class PipelineHealthService
{
    private const string ReadState = """
        select p.pipeline_clock as PipelineClock,
               (select min(c.clock) from partition_clocks c where c.partition < p.partition_count having count(*) = p.partition_count) as SafeClock,
               p.partition_count as PartitionCount,
               (select count(*) from partition_clocks c where c.partition < p.partition_count)::int as PartitionsWithClock,
               p.last_fetch_at as LastFetchAt, p.last_fetch_result as LastFetchResult,
               p.last_fetch_states as LastFetchStates, p.credits_remaining as CreditsRemaining, p.next_fetch_at as NextFetchAt,
               (select count(*) from live_status)::int as LiveAircraft,
               (select count(*) from flight_sessions where ended_at is null)::int as OpenFlights
        from pipeline_state p
        """;

    // "The last hour" is the pipeline's hour: a replay or a late pipeline still shows what it just did.
    private const string ReadEndedLastHour = """
        select end_reason as Reason, count(*)::int as Count
        from flight_sessions
        where ended_at > @clock - interval '1 hour' and ended_at <= @clock
        group by end_reason
        order by end_reason
        """;

    // An emergency is active while the aircraft's live state carries the code; the period gives its start.
    private const string ReadActiveEmergencies = """
        select d.transponder_hex as Icao24, l.callsign as Callsign, l.squawk as Squawk, e.started_at as Since, e.session_id as FlightId
        from live_status l
        join dim_aircrafts d on d.aircraft_id = l.aircraft_id
        left join lateral (
            select started_at, session_id from emergency_events e
            where e.aircraft_id = l.aircraft_id and e.squawk = l.squawk and e.closed_at is null
            order by e.started_at desc limit 1
        ) e on true
        where l.squawk in ('7500', '7600', '7700')
        order by d.transponder_hex
        """;

    private const string ReadEmergenciesLastHour = """
        select count(*)::int from emergency_events where last_seen_at > @clock - interval '1 hour' and started_at <= @clock
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly ConsumerLagProbe lagProbe;
    private readonly IOptions<HealthOptions> options;
    private readonly TimeProvider time;
    private readonly PipelineMetrics? metrics;
    private readonly Lock gate = new();
    private (long Timestamp, long Received)? previousSample;
    private PipelineHealthReport? latest;

    /// <summary>Creates the service; with a <paramref name="meterFactory"/> it also publishes the report's figures as gauges.</summary>
    public PipelineHealthService(NpgsqlDataSource dataSource, ConsumerLagProbe lagProbe, IOptions<HealthOptions> options, TimeProvider time, PipelineMetrics? metrics = null, IMeterFactory? meterFactory = null)
    {
        this.dataSource = dataSource;
        this.lagProbe = lagProbe;
        this.options = options;
        this.time = time;
        this.metrics = metrics;
        if (meterFactory is not null)
        {
            // Observed from the latest report: a scrape never queries the database itself.
            var meter = meterFactory.Create(PipelineMetrics.MeterName);
            meter.CreateObservableGauge("flights.aircraft.live", () => Observe(r => r.LiveAircraft), "{aircraft}", "Aircraft in live_status at the latest health check");
            meter.CreateObservableGauge("flights.flights.open", () => Observe(r => r.OpenFlights), "{flight}", "Open flight sessions at the latest health check");
            meter.CreateObservableGauge("flights.kafka.consumer_lag", () => Observe(r => r.Kafka.State == "ok" ? r.Kafka.TotalLag : null), "{message}", "Processor consumer-group lag at the latest health check");
            meter.CreateObservableGauge("flights.pipeline.data_age", () => Observe(r => r.DataAge?.TotalSeconds), "s", "Wall clock minus pipeline clock at the latest health check");
            meter.CreateObservableGauge("flights.emergencies.active", () => Observe(r => r.Emergencies?.Active.Count), "{aircraft}", "Aircraft squawking 7500, 7600 or 7700 at the latest health check");
        }
    }

    /// <summary>The newest report this service produced, if any.</summary>
    public PipelineHealthReport? Latest
    {
        get
        {
            lock (gate)
            {
                return latest;
            }
        }
    }

    /// <summary>Checks the pipeline now.</summary>
    public async Task<PipelineHealthReport> GetAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var kafkaTask = lagProbe.ReadAsync(cancellationToken);
        var warehouse = await ReadWarehouseAsync(cancellationToken);
        var kafka = await kafkaTask;
        var now = time.GetUtcNow();

        var issues = new List<HealthIssue>();
        TimeSpan? dataAge = null;
        if (warehouse.Error is not null)
        {
            issues.Add(new HealthIssue(HealthIssueCodes.DatabaseUnreachable, $"database unreachable: {warehouse.Error}"));
        }
        else if (warehouse.Clock is null)
        {
            issues.Add(new HealthIssue(HealthIssueCodes.NoData, "no data yet: no state has been processed"));
        }
        else
        {
            dataAge = now - warehouse.Clock.Value;
            var limit = settings.PollInterval + settings.MaxDataAge;
            if (dataAge > limit)
            {
                issues.Add(new HealthIssue(HealthIssueCodes.DataStale, $"data is {Format(dataAge.Value)} old (limit {Format(limit)})"));
            }

            if (warehouse.SafeClock is null)
            {
                issues.Add(new HealthIssue(HealthIssueCodes.NoSafeClock, warehouse.PartitionCount is { } count
                    ? $"no lifecycle clock: {warehouse.PartitionsWithClock} of {count} partitions have processed a snapshot marker; no flight is ended until all have"
                    : "no lifecycle clock: no snapshot marker processed yet (is the publisher older than the processor?); no flight is ended until every partition has one"));
            }
        }

        if (warehouse.Fetch?.Result is { } result && !FetchStatus.IsSuccess(result))
        {
            issues.Add(new HealthIssue(HealthIssueCodes.FetchFailed, $"last fetch failed: {result}"));
        }

        if (kafka.State == "unreachable")
        {
            issues.Add(new HealthIssue(HealthIssueCodes.KafkaUnreachable, $"Kafka unreachable: {kafka.Error}"));
        }
        else if (kafka.TotalLag > settings.MaxConsumerLag)
        {
            issues.Add(new HealthIssue(HealthIssueCodes.ConsumerLag, $"consumer group {kafka.ConsumerGroup} is {kafka.TotalLag} messages behind (limit {settings.MaxConsumerLag})"));
        }

        AddLossIssues(kafka, issues);
        var status = warehouse.Error is not null ? HealthStatus.Down : issues.Count > 0 ? HealthStatus.Degraded : HealthStatus.Healthy;
        var report = new PipelineHealthReport(status, issues, now, warehouse.Fetch, warehouse.Clock, dataAge, warehouse.Live, warehouse.Open,
            warehouse.Ended, kafka, ProcessFigures()) { SafeClock = warehouse.SafeClock, Emergencies = warehouse.Emergencies };
        lock (gate)
        {
            latest = report;
        }

        return report;
    }

    // Loss is seen two ways: the group's committed offset lies below the log start (so the next read skips
    // what retention deleted; this works for the Functions trigger too), and this process's consumer
    // having found such a gap already.
    private void AddLossIssues(KafkaReport kafka, List<HealthIssue> issues)
    {
        var expired = kafka.Partitions.Where(p => p.Committed is { } c && c < p.LowWatermark).ToList();
        if (expired.Count > 0)
        {
            var count = expired.Sum(p => p.LowWatermark - p.Committed!.Value);
            issues.Add(new HealthIssue(HealthIssueCodes.MessagesLost,
                $"{count} messages of {kafka.Topic} expired before consumer group {kafka.ConsumerGroup} processed them (partitions {string.Join(", ", expired.Select(p => p.Partition))})"));
        }
        else if (metrics?.Lost is > 0 and var lost)
        {
            issues.Add(new HealthIssue(HealthIssueCodes.MessagesLost, $"{lost} messages of {kafka.Topic} were deleted by the broker before this process read them"));
        }
    }

    /// <summary>"1h 05m", "3m 30s", "42s": durations in reasons and tables.</summary>
    public static string Format(TimeSpan duration)
    {
        var d = duration.Duration();
        var sign = duration < TimeSpan.Zero ? "-" : "";
        return sign + (d.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalHours}h {d.Minutes:00}m")
            : d.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{d.Minutes}m {d.Seconds:00}s") : string.Create(CultureInfo.InvariantCulture, $"{d.Seconds}s"));
    }

    private async Task<Warehouse> ReadWarehouseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var row = await connection.QuerySingleAsync<StateRow>(new CommandDefinition(ReadState, cancellationToken: cancellationToken));
            var ended = new SortedDictionary<string, int>(StringComparer.Ordinal);
            if (row.PipelineClock is { } clock)
            {
                foreach (var (reason, count) in await connection.QueryAsync<(string Reason, int Count)>(new CommandDefinition(ReadEndedLastHour, new { clock }, cancellationToken: cancellationToken)))
                {
                    ended[reason] = count;
                }
            }

            var fetch = new FetchReport(Utc(row.LastFetchAt), row.LastFetchResult, row.LastFetchStates, row.CreditsRemaining, Utc(row.NextFetchAt));
            var emergencies = await ReadEmergenciesAsync(connection, row.PipelineClock, cancellationToken);
            return new Warehouse(null, fetch, Utc(row.PipelineClock), row.LiveAircraft, row.OpenFlights, ended)
            {
                SafeClock = Utc(row.SafeClock), PartitionCount = row.PartitionCount, PartitionsWithClock = row.PartitionsWithClock,
                Emergencies = emergencies,
            };
        }
        catch (NpgsqlException ex)
        {
            // An unreachable or failing database is exactly what this check exists to report.
            return new Warehouse(ex.Message, null, null, null, null, new Dictionary<string, int>());
        }
    }

    private static async Task<EmergencyReport> ReadEmergenciesAsync(NpgsqlConnection connection, DateTime? clock, CancellationToken cancellationToken)
    {
        var active = (await connection.QueryAsync<EmergencyRow>(new CommandDefinition(ReadActiveEmergencies, cancellationToken: cancellationToken)))
            .Select(e => new ActiveEmergency(e.Icao24, e.Callsign, e.Squawk, Utc(e.Since), e.FlightId)).ToList();
        var lastHour = clock is null ? 0 : await connection.ExecuteScalarAsync<int>(new CommandDefinition(ReadEmergenciesLastHour, new { clock }, cancellationToken: cancellationToken));
        return new EmergencyReport(active, lastHour);
    }

    private ProcessReport? ProcessFigures()
    {
        if (metrics is null)
        {
            return null;
        }

        var received = metrics.Received;
        var nowTicks = time.GetTimestamp();
        double? rate = null;
        lock (gate)
        {
            if (previousSample is { } previous)
            {
                var elapsed = time.GetElapsedTime(previous.Timestamp, nowTicks).TotalSeconds;
                rate = elapsed > 0 ? Math.Round((received - previous.Received) / elapsed, 1) : null;
            }

            previousSample = (nowTicks, received);
        }

        return new ProcessReport(received, metrics.Written, metrics.Rejected, metrics.DeadLettered, metrics.Published, rate) { ImplausiblePositions = metrics.ImplausiblePositions };
    }

    private IEnumerable<Measurement<double>> Observe(Func<PipelineHealthReport, double?> value)
    {
        var report = Latest;
        if (report is not null && value(report) is { } v)
        {
            yield return new Measurement<double>(v);
        }
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is null ? null : new DateTimeOffset(DateTime.SpecifyKind(value.Value, DateTimeKind.Utc));

    private sealed record Warehouse(string? Error, FetchReport? Fetch, DateTimeOffset? Clock, int? Live, int? Open, IReadOnlyDictionary<string, int> Ended)
    {
        public DateTimeOffset? SafeClock { get; init; }

        public int? PartitionCount { get; init; }

        public int PartitionsWithClock { get; init; }

        public EmergencyReport? Emergencies { get; init; }
    }

    private sealed class EmergencyRow
    {
        public string Icao24 { get; init; } = "";

        public string? Callsign { get; init; }

        public string Squawk { get; init; } = "";

        public DateTime? Since { get; init; }

        public long? FlightId { get; init; }
    }

    private sealed class StateRow
    {
        public DateTime? PipelineClock { get; init; }

        public DateTime? SafeClock { get; init; }

        public int? PartitionCount { get; init; }

        public int PartitionsWithClock { get; init; }

        public DateTime? LastFetchAt { get; init; }

        public string? LastFetchResult { get; init; }

        public int? LastFetchStates { get; init; }

        public int? CreditsRemaining { get; init; }

        public DateTime? NextFetchAt { get; init; }

        public int LiveAircraft { get; init; }

        public int OpenFlights { get; init; }
    }
}
