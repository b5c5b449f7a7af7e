using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Flights.Core.Kafka;

/// <summary>Where messages that are not valid state documents go, so one bad message never blocks a partition.</summary>
public interface IDeadLetterSink
{
    /// <summary>Sends the messages with their errors and returns once every one is stored; throws if any could not be.</summary>
    Task SendAsync(IReadOnlyList<(IncomingMessage Message, string Error)> messages, CancellationToken cancellationToken);
}

/// <summary>
/// Copies rejected messages, key and value unchanged, to <c>flight_raw_data.dlq</c> with headers
/// <c>error</c>, <c>source_topic</c>, <c>source_partition</c> and <c>source_offset</c>.
/// </summary>
public sealed class KafkaDeadLetterSink(KafkaProducer producer, IOptions<KafkaOptions> options) : IDeadLetterSink
{
    /// <summary>Header carrying the reason the message was rejected.</summary>
    public const string ErrorHeader = "error";

    /// <inheritdoc />
    public async Task SendAsync(IReadOnlyList<(IncomingMessage Message, string Error)> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var topic = options.Value.DeadLetterTopic;
        var pending = messages.Count;
        string? failure = null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnDelivery(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref failure, report.Error.Reason, null);
            }

            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.TrySetResult();
            }
        }

        foreach (var (message, error) in messages)
        {
            var headers = new Headers
            {
                { ErrorHeader, Encoding.UTF8.GetBytes(error) },
                { "source_topic", Encoding.UTF8.GetBytes(message.Topic) },
                { "source_partition", Encoding.UTF8.GetBytes(message.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                { "source_offset", Encoding.UTF8.GetBytes(message.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            };
            if (!producer.TryProduce(topic, new Message<byte[], byte[]> { Key = message.Key!, Value = message.Value!, Headers = headers }, OnDelivery, cancellationToken, out var produceError))
            {
                // A KafkaException is what the processor's retry policy treats as Kafka being away: the batch is retried.
                throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Could not queue a message for the dead-letter topic {topic}: {produceError}"));
            }
        }

        producer.Flush(options.Value.PublishTimeout, cancellationToken);
        try
        {
            await done.Task.WaitAsync(options.Value.PublishTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"The dead-letter topic {topic} did not acknowledge within {options.Value.PublishTimeout}"));
        }
        if (failure is not null)
        {
            // Thrown so the batch is retried: its offsets must not be committed while a bad message is not safely stored.
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Could not store a message on the dead-letter topic {topic}: {failure}"));
        }
    }
}
