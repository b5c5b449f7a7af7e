using Confluent.Kafka;

namespace Flights.Core.Kafka;

/// <summary>
/// Told when a Kafka client fails fatally (<see cref="Error.IsFatal"/>: the client cannot go on, for example
/// an idempotent producer fenced or out of sequence). A host stops on it with one clear line and a
/// non-zero exit instead of running on with a dead client.
/// </summary>
public interface IKafkaFatalErrorSink
{
    /// <summary>Reports the fatal error of <paramref name="client"/> (a name for the log line).</summary>
    void Report(string client, Error error);
}
