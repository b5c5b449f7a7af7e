using Flights.Core.Kafka;

namespace Flights.Tests.Integration.Infrastructure;

/// <summary>One embedded Kafka (librdkafka's mock cluster) for the whole test run; each test makes its own topics.</summary>
public static class TestKafka
{
    private static readonly Lazy<EmbeddedKafkaCluster> Cluster = new(() => EmbeddedKafkaCluster.Start(brokers: 3));

    public static string BootstrapServers => Cluster.Value.BootstrapServers;

    /// <summary>Creates a uniquely named topic and returns its name.</summary>
    public static string CreateTopic(string prefix, int partitions)
    {
        var name = NewTopicName(prefix);
        CreateTopicNamed(name, partitions);
        return name;
    }

    /// <summary>A unique topic name, for a test that creates the topic later (with <see cref="CreateTopicNamed"/>) or never.</summary>
    public static string NewTopicName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates the topic <paramref name="name"/>.</summary>
    public static void CreateTopicNamed(string name, int partitions) => Cluster.Value.CreateTopic(name, partitions);
}
