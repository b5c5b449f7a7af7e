using Flights.Core.Kafka;
using Flights.Core.Processing;
using Microsoft.Azure.Functions.Worker;

namespace Flights.Functions;

/// <summary>
/// The Kafka-triggered function: each batch from flight_raw_data goes through the smart write.
/// Thin on purpose; the core's StateBatchProcessor does the work, the same as the local consumer: a
/// message that can never be written is isolated and dead-lettered inside the batch, so what propagates
/// here is a transient failure (the database away, a conflict, Kafka away). It is retried with backoff
/// and its offsets are not committed (host.json: CommitOnFailure false, MaxRetries 0, so the extension
/// does not also retry in place without delay).
/// </summary>
public sealed class ProcessStatesFunction(StateBatchProcessor processor)
{
    [Function("ProcessStates")]
    [ExponentialBackoffRetry(-1, "00:00:02", "00:05:00")] // an outage blocks the partition until it passes; it never skips data
    public async Task RunAsync(
        [KafkaTrigger("%Kafka:BootstrapServers%", "%Kafka:Topic%", ConsumerGroup = "%Kafka:ConsumerGroup%", IsBatched = true)] KafkaRecord[] records,
        CancellationToken cancellationToken)
    {
        var messages = new IncomingMessage[records.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            messages[i] = new IncomingMessage(record.Topic, record.Partition, record.Offset, record.Key, record.Value);
        }

        await processor.ProcessAsync(messages, cancellationToken);
    }
}
