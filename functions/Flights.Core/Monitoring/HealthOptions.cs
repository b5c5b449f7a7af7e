using System.ComponentModel.DataAnnotations;

namespace Flights.Core.Monitoring;

/// <summary>Thresholds of the pipeline health (configuration section <c>Health</c>, environment <c>Health__*</c>).</summary>
public sealed class HealthOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Health";

    /// <summary>How often new data is expected: the fetcher's poll interval (86 s is the fastest global poll an account's credits allow).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How far beyond <see cref="PollInterval"/> the pipeline clock may lag the wall clock before the data counts as stale.</summary>
    public TimeSpan MaxDataAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Unprocessed messages (summed over the topic's partitions) above which the processor counts as falling behind.</summary>
    [Range(0, long.MaxValue)]
    public long MaxConsumerLag { get; set; } = 30_000;

    /// <summary>How long the check waits for Kafka's answers before it reports Kafka unreachable.</summary>
    public TimeSpan KafkaTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often hosts with telemetry refresh the health gauges (live aircraft, open flights, lag).</summary>
    public TimeSpan GaugeRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
