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
        var name = $"{prefix}-{Guid.NewGuid():N}";
        Cluster.Value.CreateTopic(name, partitions);
        return name;
    }
}
