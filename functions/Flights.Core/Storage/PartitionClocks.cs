namespace Flights.Core.Storage;

/// <summary>
/// The snapshot markers of one batch, per partition: the newest snapshot time whose marker the batch carries on
/// each partition, and the topic's partition count as the markers tell it. The smart write stores them in
/// <c>partition_clocks</c> in the batch's own transaction; the lifecycle (safe) clock is their minimum.
/// </summary>
public sealed class PartitionClocks
{
    // 2000-01-01: nothing older is an OpenSky snapshot (the same bound as SnapshotTimes.EarliestPlausible).
    private const long Earliest = 946_684_800;

    private readonly Dictionary<int, long> newest = [];
    private readonly long latest;

    /// <summary>
    /// Creates an empty set that refuses markers later than <paramref name="latestPlausible"/> (Unix s): the
    /// processor passes the same wall-clock bound it applies to states (<c>Sessions:MaxSnapshotAhead</c>), since
    /// a marker from the far future would hold the lifecycle clock there for good and end every real flight at once.
    /// </summary>
    public PartitionClocks(long latestPlausible)
    {
        latest = latestPlausible;
    }

    /// <summary>A batch without markers.</summary>
    public static PartitionClocks None => new(long.MaxValue);

    /// <summary>True when the batch carried no usable marker.</summary>
    public bool IsEmpty => newest.Count == 0;

    /// <summary>The largest partition count any marker of the batch gave; null without markers.</summary>
    public int? PartitionCount { get; private set; }

    /// <summary>The newest marker time of the batch (Unix seconds); null without markers.</summary>
    public long? Newest { get; private set; }

    /// <summary>Per partition, the newest marker time (Unix seconds), in partition order.</summary>
    public IEnumerable<KeyValuePair<int, long>> ByPartition => newest.OrderBy(p => p.Key);

    /// <summary>
    /// Takes a marker read from <paramref name="partition"/> (its snapshot time in Unix seconds and the partition
    /// count it names); false (and nothing kept) when its time cannot be a snapshot's. The marker's fields come
    /// in one by one, not as Kafka's <c>SnapshotMarker</c>, because Storage sits below Kafka in the core's layers.
    /// </summary>
    public bool Add(int partition, long snapshotTime, int partitions)
    {
        if (snapshotTime < Earliest || snapshotTime > latest || partition < 0)
        {
            return false;
        }

        newest[partition] = Math.Max(newest.GetValueOrDefault(partition, long.MinValue), snapshotTime);
        PartitionCount = Math.Max(PartitionCount ?? 0, partitions);
        Newest = Math.Max(Newest ?? long.MinValue, snapshotTime);
        return true;
    }
}
