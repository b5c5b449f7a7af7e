using Confluent.Kafka;
using Flights.Core.Kafka;
using Flights.Core.Processing;

namespace Flights.Tests.Integration.Rebalancing;

/// <summary>
/// One member of the processor's consumer group, as a replica runs it: batches from the topic through the real
/// <see cref="StateBatchProcessor"/>, offsets stored only after the batch is committed in PostgreSQL. It can leave
/// gracefully (finish the batch, commit, close: the group rebalances at once) or be killed (stop after a batch
/// is written but before its offsets are stored, and dispose without commit or close, as SIGKILL or a lost node
/// does: its partitions wait for the group's session timeout and are then read again from the last commit).
/// It can also hold one partition back (paused) until told to let it go.
/// </summary>
public sealed class GroupMember : IAsyncDisposable
{
    /// <summary>Short, so that a killed member's partitions move within seconds; the mock cluster honours it.</summary>
    public const int SessionTimeoutMs = 6000;

    private const int MaxBatch = 250;
    private readonly StateBatchProcessor processor;
    private readonly Action<int> processed;
    private readonly Task loop;
    private readonly CancellationTokenSource stop = new();
    private volatile bool kill;
    private volatile int holdBack = -1;

    private GroupMember(string name, string topic, string group, StateBatchProcessor processor, Action<int> processed)
    {
        Name = name;
        this.processor = processor;
        this.processed = processed;
        var config = new ConsumerConfig
        {
            BootstrapServers = Infrastructure.TestKafka.BootstrapServers,
            GroupId = group,
            ClientId = name,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 200,
            SessionTimeoutMs = SessionTimeoutMs,
            HeartbeatIntervalMs = 500,
        };
        loop = Task.Factory.StartNew(() => Run(config, topic), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public string Name { get; }

    /// <summary>Batches this member wrote.</summary>
    public int Batches { get; private set; }

    /// <summary>The error that ended the member's loop, if any (the test fails on it).</summary>
    public Exception? Failure { get; private set; }

    public static GroupMember Join(string name, string topic, string group, StateBatchProcessor processor, Action<int> processed) =>
        new(name, topic, group, processor, processed);

    /// <summary>Pauses <paramref name="partition"/> whenever this member holds it, until <see cref="LetGo"/>.</summary>
    public void HoldBack(int partition) => holdBack = partition;

    public void LetGo() => holdBack = -1;

    /// <summary>Finishes the batch in flight, commits and closes: a graceful leave (SIGTERM).</summary>
    public async Task LeaveAsync()
    {
        await stop.CancelAsync();
        await loop;
    }

    /// <summary>Stops after the next batch is written, before its offsets are stored, and disposes without commit or close.</summary>
    public async Task KillAsync()
    {
        kill = true;
        await stop.CancelAsync();
        await loop;
    }

    public async ValueTask DisposeAsync()
    {
        if (!loop.IsCompleted)
        {
            await LeaveAsync();
        }

        stop.Dispose();
    }

    private async Task Run(ConsumerConfig config, string topic)
    {
        var consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .SetPartitionsRevokedHandler((c, _) =>
            {
                try
                {
                    c.Commit();
                }
                catch (KafkaException)
                {
                    // nothing stored yet: the next owner reads from the last commit (at-least-once)
                }
            })
            .Build();
        var paused = new HashSet<TopicPartition>();
        try
        {
            consumer.Subscribe(topic);
            var batch = new List<ConsumeResult<byte[], byte[]>>(MaxBatch);
            while (true)
            {
                ApplyHoldBack(consumer, paused, topic);
                batch.Clear();
                while (batch.Count < MaxBatch && consumer.Consume(batch.Count == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.Zero) is { } result)
                {
                    batch.Add(result);
                }

                if (batch.Count > 0)
                {
                    var messages = batch.Select(r => new IncomingMessage(r.Topic, r.Partition.Value, r.Offset.Value, r.Message.Key, r.Message.Value)).ToArray();
                    await processor.ProcessAsync(messages, CancellationToken.None);
                    Batches++;
                    processed(messages.Length);
                    if (kill)
                    {
                        return; // written, offsets never stored: the next owner reads this batch again
                    }

                    foreach (var last in batch.GroupBy(r => r.TopicPartition).Select(g => g.MaxBy(r => r.Offset.Value)!))
                    {
                        try
                        {
                            consumer.StoreOffset(last);
                        }
                        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
                        {
                            // revoked by a rebalance served while the batch was being filled, as the real consumer allows
                        }
                    }
                }

                if (stop.IsCancellationRequested)
                {
                    if (!kill)
                    {
                        try
                        {
                            consumer.Commit();
                        }
                        catch (KafkaException)
                        {
                            // a rebalance is under way: Close commits in the revoke handler, as the real consumer does
                        }

                        consumer.Close();
                    }

                    return;
                }
            }
        }
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            Failure = ex;
        }
        finally
        {
            // Dispose without Close (killed): no commit, no leave-group; the coordinator waits for the session timeout.
            consumer.Dispose();
        }
    }

    private void ApplyHoldBack(IConsumer<byte[], byte[]> consumer, HashSet<TopicPartition> paused, string topic)
    {
        var held = holdBack;
        var wanted = held >= 0 ? new TopicPartition(topic, held) : null;
        foreach (var partition in paused.Where(p => p != wanted || !consumer.Assignment.Contains(p)).ToList())
        {
            if (consumer.Assignment.Contains(partition))
            {
                consumer.Resume([partition]);
            }

            paused.Remove(partition);
        }

        if (wanted is not null && consumer.Assignment.Contains(wanted) && paused.Add(wanted))
        {
            consumer.Pause([wanted]);
        }
    }
}
