using System.Buffers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Flights.Core.OpenSky;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flights.Core.Kafka;

/// <summary>How a snapshot's publication went.</summary>
/// <param name="Delivered">State messages the brokers acknowledged (snapshot markers are not counted).</param>
/// <param name="Failed">Messages (states or markers) that failed or were not acknowledged in time.</param>
/// <param name="FirstError">The first delivery error, for the log line.</param>
public sealed record PublishResult(int Delivered, int Failed, string? FirstError)
{
    /// <summary>True only when every message of the snapshot was delivered.</summary>
    public bool AllDelivered => Failed == 0;
}

/// <summary>Publishes a snapshot's states to Kafka.</summary>
public interface IStatePublisher
{
    /// <summary>Publishes every state of the snapshot and waits for all delivery reports.</summary>
    Task<PublishResult> PublishAsync(StatesSnapshot snapshot, CancellationToken cancellationToken);
}

/// <summary>
/// Publishes snapshots to <c>flight_raw_data</c>: one message per state, key = icao24 so an aircraft's
/// states stay in one partition and in order, then one snapshot marker to every partition of the topic, so
/// that every partition (also one that no aircraft of this snapshot hashed to) tells the processor that the
/// snapshot is complete there; the lifecycle clock is built from the markers. The whole snapshot goes out
/// with <c>Produce</c> and one flush, through the process's single idempotent producer, which keeps each
/// partition in the order produced: a partition's marker follows its states.
/// </summary>
public sealed partial class StatePublisher(KafkaProducer producer, IOptions<KafkaOptions> options, ILogger<StatePublisher> logger) : IStatePublisher
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
    private readonly string topic = options.Value.Topic;
    private readonly TimeSpan timeout = options.Value.PublishTimeout;

    /// <summary>Publishes every state of the snapshot and waits for all delivery reports.</summary>
    public async Task<PublishResult> PublishAsync(StatesSnapshot snapshot, CancellationToken cancellationToken)
    {
        int partitions;
        try
        {
            // Read for every snapshot, never cached: markers to fewer partitions than the producer hashes states to
            // would leave a new partition out of the lifecycle clock. The call blocks, so it is bounded well below
            // the publish timeout: a stop request waits for it.
            cancellationToken.ThrowIfCancellationRequested();
            partitions = producer.PartitionCount(topic, timeout < MetadataTimeout ? timeout : MetadataTimeout);
        }
        catch (KafkaException ex)
        {
            // Without the partition count no marker can be addressed; nothing is sent and the snapshot is tried again.
            LogPartialDelivery(snapshot.Time, snapshot.States.Count, snapshot.States.Count, ex.Error.Reason);
            return new PublishResult(0, Math.Max(1, snapshot.States.Count), ex.Error.Reason);
        }

        var delivered = 0;
        var markersDelivered = 0;
        var failed = 0;
        string? firstError = null;
        var total = snapshot.States.Count + partitions;
        var pending = total;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void OnDelivery(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
            }
            else if (report.Message.Key is null)
            {
                Interlocked.Increment(ref markersDelivered); // markers have no key; every state has one
            }
            else
            {
                Interlocked.Increment(ref delivered);
            }

            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.TrySetResult();
            }
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using var writer = new Utf8JsonWriter(buffer);
        var notQueued = 0;
        foreach (var state in snapshot.States)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            StateMessage.Write(writer, state, snapshot.Time);
            writer.Flush();
            var message = new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(state.Icao24), Value = buffer.WrittenSpan.ToArray() };
            if (!producer.TryProduce(topic, message, OnDelivery, cancellationToken, out var error))
            {
                notQueued++;
                firstError ??= error;
            }
        }

        var marker = StateMessage.SerializeMarker(new SnapshotMarker(snapshot.Time, partitions));
        for (var partition = 0; partition < partitions; partition++)
        {
            var message = new Message<byte[], byte[]> { Key = null!, Value = marker };
            if (!producer.TryProduceToPartition(new TopicPartition(topic, partition), message, OnDelivery, cancellationToken, out var error))
            {
                notQueued++;
                firstError ??= error;
            }
        }

        if (notQueued > 0)
        {
            Interlocked.Add(ref failed, notQueued);
            if (Interlocked.Add(ref pending, -notQueued) == 0)
            {
                done.TrySetResult();
            }
        }

        producer.Flush(timeout, cancellationToken);
        var acknowledged = await Task.WhenAny(done.Task, Task.Delay(timeout, cancellationToken)) == done.Task;
        var result = acknowledged
            ? new PublishResult(Volatile.Read(ref delivered), Volatile.Read(ref failed), firstError)
            : new PublishResult(Volatile.Read(ref delivered), total - Volatile.Read(ref delivered) - Volatile.Read(ref markersDelivered), firstError ?? $"no delivery report within {timeout.TotalSeconds:0} s");
        if (!result.AllDelivered)
        {
            LogPartialDelivery(snapshot.Time, result.Failed, total, result.FirstError);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot {SnapshotTime}: {Failed} of {Total} messages were not delivered to Kafka ({Error}); the snapshot counts as not published and is sent again")]
    private partial void LogPartialDelivery(long snapshotTime, int failed, int total, string? error);
}
