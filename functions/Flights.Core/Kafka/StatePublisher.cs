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
/// snapshot is complete there; the lifecycle clock is built from the markers. The process's single idempotent
/// producer keeps each partition in the order produced: a partition's marker follows its states.
/// <see cref="PublishAsync"/> sends one snapshot and waits for its delivery (the fetch: a snapshot counts as
/// published only once Kafka has it); <see cref="Pipeline"/> keeps several snapshots in flight (replay).
/// </summary>
public sealed partial class StatePublisher(KafkaProducer producer, IOptions<KafkaOptions> options, ILogger<StatePublisher> logger) : IStatePublisher
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
    private readonly string topic = options.Value.Topic;
    private readonly TimeSpan timeout = options.Value.PublishTimeout;

    /// <summary>Publishes every state of the snapshot and waits for all delivery reports.</summary>
    public async Task<PublishResult> PublishAsync(StatesSnapshot snapshot, CancellationToken cancellationToken)
    {
        var delivery = Queue(snapshot, cancellationToken);
        Flush(cancellationToken);
        return await WaitAsync(delivery, cancellationToken);
    }

    /// <summary>
    /// A publication of many snapshots with up to <paramref name="maxInFlight"/> of them queued and not yet
    /// acknowledged, instead of one flush and one wait per snapshot.
    /// </summary>
    public PublishPipeline Pipeline(int maxInFlight) => new(this, maxInFlight);

    private Delivery Queue(StatesSnapshot snapshot, CancellationToken cancellationToken)
    {
        int partitions;
        try
        {
            // The count is cached for a few seconds (KafkaProducer.PartitionCountLifetime). States are addressed
            // to partitions from this same count as the markers, never by librdkafka's own (possibly newer)
            // metadata, so no state can land on a partition that gets no marker of its snapshot; a partition
            // added meanwhile is used by both once the cache is renewed. The call blocks, so it is bounded well
            // below the publish timeout: a stop request waits for it.
            cancellationToken.ThrowIfCancellationRequested();
            partitions = producer.PartitionCount(topic, timeout < MetadataTimeout ? timeout : MetadataTimeout);
        }
        catch (KafkaException ex)
        {
            // Without the partition count no marker can be addressed; nothing is sent and the snapshot is tried again.
            return Delivery.NotSent(snapshot, ex.Error.Reason);
        }

        var delivery = new Delivery(snapshot, snapshot.States.Count + partitions);
        var buffer = new ArrayBufferWriter<byte>(512);
        using var writer = new Utf8JsonWriter(buffer);
        var notQueued = 0;
        string? queueError = null;
        foreach (var state in snapshot.States)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            StateMessage.Write(writer, state, snapshot.Time);
            writer.Flush();
            var key = Encoding.UTF8.GetBytes(state.Icao24);
            var message = new Message<byte[], byte[]> { Key = key, Value = buffer.WrittenSpan.ToArray() };
            var partition = new TopicPartition(topic, KeyPartitioner.PartitionOf(key, partitions));
            if (!producer.TryProduceToPartition(partition, message, delivery.OnReport, cancellationToken, out var error))
            {
                notQueued++;
                queueError ??= error;
            }
        }

        var marker = StateMessage.SerializeMarker(new SnapshotMarker(snapshot.Time, partitions));
        for (var partition = 0; partition < partitions; partition++)
        {
            var message = new Message<byte[], byte[]> { Key = null!, Value = marker };
            if (!producer.TryProduceToPartition(new TopicPartition(topic, partition), message, delivery.OnMarkerReport, cancellationToken, out var error))
            {
                notQueued++;
                queueError ??= error;
            }
        }

        delivery.NotQueued(notQueued, queueError);
        return delivery;
    }

    private void Flush(CancellationToken cancellationToken) => producer.Flush(timeout, cancellationToken);

    // librdkafka reports every message within message.timeout.ms (= the publish timeout) of its produce call,
    // so waiting that long from now is enough for any snapshot queued before.
    private async Task<PublishResult> WaitAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var acknowledged = await Task.WhenAny(delivery.Done, Task.Delay(timeout, cancellationToken)) == delivery.Done;
        var result = delivery.Result(acknowledged, timeout);
        if (!result.AllDelivered)
        {
            LogPartialDelivery(delivery.Snapshot.Time, result.Failed, delivery.Total, result.FirstError);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot {SnapshotTime}: {Failed} of {Total} messages were not delivered to Kafka ({Error}); the snapshot counts as not published and is sent again")]
    private partial void LogPartialDelivery(long snapshotTime, int failed, int total, string? error);

    /// <summary>
    /// Snapshots published one after another without waiting for each: <see cref="SendAsync"/> queues one and
    /// returns the snapshots whose delivery has completed, oldest first, waiting only when more than the bound
    /// are in flight; <see cref="CompleteAsync"/> flushes and returns the rest. Every snapshot sent is returned
    /// exactly once with its result, so the caller checks every delivery. Not thread-safe: one caller.
    /// </summary>
    public sealed class PublishPipeline
    {
        private readonly StatePublisher publisher;
        private readonly int maxInFlight;
        private readonly Queue<Delivery> inFlight = new();

        internal PublishPipeline(StatePublisher publisher, int maxInFlight)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
            this.publisher = publisher;
            this.maxInFlight = maxInFlight;
        }

        /// <summary>Snapshots queued and not yet returned.</summary>
        public int InFlight => inFlight.Count;

        /// <summary>Queues the snapshot; returns the snapshots finished since the last call, oldest first.</summary>
        public async Task<IReadOnlyList<(StatesSnapshot Snapshot, PublishResult Result)>> SendAsync(StatesSnapshot snapshot, CancellationToken cancellationToken)
        {
            inFlight.Enqueue(publisher.Queue(snapshot, cancellationToken));
            var finished = new List<(StatesSnapshot, PublishResult)>();
            while (inFlight.Count > 0 && (inFlight.Count > maxInFlight || inFlight.Peek().Done.IsCompleted))
            {
                var oldest = inFlight.Dequeue();
                finished.Add((oldest.Snapshot, await publisher.WaitAsync(oldest, cancellationToken)));
            }

            return finished;
        }

        /// <summary>Flushes the producer and returns every snapshot still in flight with its result, oldest first.</summary>
        public async Task<IReadOnlyList<(StatesSnapshot Snapshot, PublishResult Result)>> CompleteAsync(CancellationToken cancellationToken)
        {
            var finished = new List<(StatesSnapshot, PublishResult)>();
            if (inFlight.Count == 0)
            {
                return finished;
            }

            publisher.Flush(cancellationToken);
            while (inFlight.TryDequeue(out var oldest))
            {
                finished.Add((oldest.Snapshot, await publisher.WaitAsync(oldest, cancellationToken)));
            }

            return finished;
        }
    }

    // The delivery reports of one snapshot's messages, counted as they arrive (on librdkafka's poll thread).
    private sealed class Delivery
    {
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int delivered;
        private int markersDelivered;
        private int failed;
        private int pending;
        private string? firstError;

        public Delivery(StatesSnapshot snapshot, int total)
        {
            Snapshot = snapshot;
            Total = total;
            pending = total;
        }

        public StatesSnapshot Snapshot { get; }

        public int Total { get; }

        public Task Done => done.Task;

        // Nothing was sent (no partition count): the whole snapshot failed, at least one message even when empty.
        public static Delivery NotSent(StatesSnapshot snapshot, string error)
        {
            var delivery = new Delivery(snapshot, snapshot.States.Count);
            delivery.failed = Math.Max(1, snapshot.States.Count);
            delivery.firstError = error;
            delivery.pending = 0;
            delivery.done.TrySetResult();
            return delivery;
        }

        // States and markers have handlers of their own: the reports carry no key or value (DeliveryReportFields).
        public void OnReport(DeliveryReport<byte[], byte[]> report) => Count(report, ref delivered);

        public void OnMarkerReport(DeliveryReport<byte[], byte[]> report) => Count(report, ref markersDelivered);

        private void Count(DeliveryReport<byte[], byte[]> report, ref int deliveredOfKind)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
            }
            else
            {
                Interlocked.Increment(ref deliveredOfKind);
            }

            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.TrySetResult();
            }
        }

        // Messages the producer refused to queue get no report: count them as failed here.
        public void NotQueued(int count, string? error)
        {
            if (error is not null)
            {
                Interlocked.CompareExchange(ref firstError, error, null);
            }

            if (count > 0)
            {
                Interlocked.Add(ref failed, count);
                if (Interlocked.Add(ref pending, -count) == 0)
                {
                    done.TrySetResult();
                }
            }
        }

        public PublishResult Result(bool acknowledged, TimeSpan timeout) => acknowledged
            ? new PublishResult(Volatile.Read(ref delivered), Volatile.Read(ref failed), Volatile.Read(ref firstError))
            : new PublishResult(Volatile.Read(ref delivered), Total - Volatile.Read(ref delivered) - Volatile.Read(ref markersDelivered), Volatile.Read(ref firstError) ?? $"no delivery report within {timeout.TotalSeconds:0} s");
    }
}
