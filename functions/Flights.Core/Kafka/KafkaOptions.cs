using System.ComponentModel.DataAnnotations;

namespace Flights.Core.Kafka;

/// <summary>Kafka settings (configuration section <c>Kafka</c>, environment <c>Kafka__*</c>).</summary>
public sealed class KafkaOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Kafka";

    /// <summary>
    /// Broker list. When empty, the local host starts the embedded development cluster
    /// (<see cref="EmbeddedKafkaCluster"/>); the Functions app requires it.
    /// </summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Topic carrying one message per aircraft state.</summary>
    [Required]
    public string Topic { get; set; } = "flight_raw_data";

    /// <summary>Topic receiving messages that are not valid state documents, with the error in a header.</summary>
    [Required]
    public string DeadLetterTopic { get; set; } = "flight_raw_data.dlq";

    /// <summary>Consumer group of the processor (the Kafka-triggered function and the local consumer).</summary>
    [Required]
    public string ConsumerGroup { get; set; } = "flights-processor";

    /// <summary>Partitions of the topics the embedded cluster creates (a real cluster's topics are created by its operator).</summary>
    [Range(1, 64)]
    public int EmbeddedPartitions { get; set; } = 6;

    /// <summary>The longest the publisher waits for a snapshot's delivery reports before it counts the rest as failed.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
