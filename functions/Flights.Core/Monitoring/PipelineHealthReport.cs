using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flights.Core.Monitoring;

/// <summary>The pipeline's overall state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HealthStatus>))]
public enum HealthStatus
{
    /// <summary>Data is fresh and flows.</summary>
    Healthy,

    /// <summary>The pipeline runs but something needs attention (see the issues); data may be stale.</summary>
    Degraded,

    /// <summary>The warehouse cannot be reached: nothing is stored or served.</summary>
    Down,
}

/// <summary>One reason the pipeline is not healthy.</summary>
/// <param name="Code">Stable code for alerts and tests (see <see cref="HealthIssueCodes"/>).</param>
/// <param name="Message">The reason for a person.</param>
public sealed record HealthIssue(string Code, string Message);

/// <summary>The codes of <see cref="HealthIssue"/>.</summary>
public static class HealthIssueCodes
{
    /// <summary>PostgreSQL could not be queried (the pipeline is down).</summary>
    public const string DatabaseUnreachable = "database_unreachable";

    /// <summary>Nothing was ever fetched or processed.</summary>
    public const string NoData = "no_data";

    /// <summary>States are processed but a partition has processed no snapshot marker: the closer ends nothing.</summary>
    public const string NoSafeClock = "no_safe_clock";

    /// <summary>The pipeline clock lags the wall clock by more than allowed.</summary>
    public const string DataStale = "data_stale";

    /// <summary>The newest fetch did not succeed.</summary>
    public const string FetchFailed = "fetch_failed";

    /// <summary>Kafka did not answer.</summary>
    public const string KafkaUnreachable = "kafka_unreachable";

    /// <summary>The processor's consumer group is too far behind.</summary>
    public const string ConsumerLag = "consumer_lag";

    /// <summary>The broker deleted messages (retention) before the processor read them.</summary>
    public const string MessagesLost = "messages_lost";
}

/// <summary>The newest OpenSky fetch, as the fetcher recorded it in <c>pipeline_state</c>.</summary>
public sealed record FetchReport(DateTimeOffset? At, string? Result, int? States, int? CreditsRemaining, DateTimeOffset? NextFetchAt);

/// <summary>Lag of one partition: <c>HighWatermark - Committed</c> (from the low watermark when the group committed nothing).</summary>
public sealed record PartitionLag(int Partition, long? Committed, long LowWatermark, long HighWatermark, long Lag);

/// <summary>The processor's consumer group on the state topic.</summary>
/// <param name="State"><c>ok</c>, <c>unreachable</c> or <c>not_configured</c>.</param>
/// <param name="Topic">The state topic.</param>
/// <param name="ConsumerGroup">The processor's consumer group.</param>
/// <param name="Partitions">Lag per partition (empty unless <c>ok</c>).</param>
/// <param name="Error">Why Kafka could not be read.</param>
public sealed record KafkaReport(string State, string Topic, string ConsumerGroup, IReadOnlyList<PartitionLag> Partitions, string? Error)
{
    /// <summary>Lag summed over the partitions.</summary>
    public long TotalLag => Partitions.Sum(p => p.Lag);
}

/// <summary>This process's own counters (<see cref="PipelineMetrics"/>): zero in a process that does not consume.</summary>
/// <param name="Received">Messages taken from the topic.</param>
/// <param name="Written">States applied.</param>
/// <param name="Rejected">States rejected by validation.</param>
/// <param name="DeadLettered">Messages dead-lettered.</param>
/// <param name="Published">States published to Kafka.</param>
/// <param name="StatesPerSecond">States received per second since the previous health check in this process; null on the first.</param>
public sealed record ProcessReport(long Received, long Written, long Rejected, long DeadLettered, long Published, double? StatesPerSecond)
{
    /// <summary>Positions kept out of routes and the live view as implausible (their states are in <see cref="Written"/>).</summary>
    public long ImplausiblePositions { get; init; }
}

/// <summary>An aircraft squawking an emergency code now (its live state).</summary>
/// <param name="Icao24">The aircraft.</param>
/// <param name="Callsign">Its callsign.</param>
/// <param name="Squawk">7500, 7600 or 7700.</param>
/// <param name="Since">Start of the period (null if the period is not recorded, e.g. a state older than the migration).</param>
/// <param name="FlightId">The flight (session id), if it is on one.</param>
public sealed record ActiveEmergency(string Icao24, string? Callsign, string Squawk, DateTimeOffset? Since, long? FlightId);

/// <summary>Emergency squawks (7500, 7600, 7700): what is going on now and what happened in the pipeline's last hour.</summary>
/// <param name="Active">Aircraft in the live view whose newest state carries an emergency code.</param>
/// <param name="PeriodsLastHour">Emergency periods with a state in the last hour of the pipeline clock.</param>
public sealed record EmergencyReport(IReadOnlyList<ActiveEmergency> Active, int PeriodsLastHour);

/// <summary>
/// One health check of the whole pipeline: the same definition behind <c>/api/health</c>,
/// <c>flights status</c> and the dashboard's panel.
/// </summary>
public sealed record PipelineHealthReport(
    HealthStatus Status,
    IReadOnlyList<HealthIssue> Issues,
    DateTimeOffset CheckedAt,
    FetchReport? LastFetch,
    DateTimeOffset? PipelineClock,
    TimeSpan? DataAge,
    int? LiveAircraft,
    int? OpenFlights,
    IReadOnlyDictionary<string, int> FlightsEndedLastHour,
    KafkaReport Kafka,
    ProcessReport? Process)
{
    /// <summary>
    /// The lifecycle (safe) clock the closer runs on: the oldest of the partitions' snapshot-marker clocks.
    /// <see cref="PipelineClock"/> is the newest clock (newest snapshot processed on any partition).
    /// </summary>
    public DateTimeOffset? SafeClock { get; init; }

    /// <summary>Emergency squawks; null when the database could not be read.</summary>
    public EmergencyReport? Emergencies { get; init; }
}

/// <summary>The one JSON shape of <see cref="PipelineHealthReport"/> (camelCase, enums as strings, durations in seconds).</summary>
public static class PipelineHealthJson
{
    /// <summary>The serializer settings every host uses for the report.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new SecondsConverter() },
    };

    /// <summary>Serialises the report.</summary>
    public static string Serialize(PipelineHealthReport report) => JsonSerializer.Serialize(report, Options);

    // "dataAge": 93.5 reads better in a browser and in jq than "00:01:33.5000000".
    private sealed class SecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => TimeSpan.FromSeconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) => writer.WriteNumberValue(Math.Round(value.TotalSeconds, 1));
    }
}
