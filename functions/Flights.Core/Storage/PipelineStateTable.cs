using Npgsql;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>The lifecycle clocks as the closer reads them.</summary>
/// <param name="Newest">The newest snapshot time processed on any partition (<c>pipeline_state.pipeline_clock</c>).</param>
/// <param name="Safe">The oldest of the partitions' marker clocks; null until every partition below the count has one.</param>
/// <param name="PartitionCount">The partition count the markers gave.</param>
/// <param name="PartitionsWithClock">Partitions below that count with a marker clock.</param>
public sealed record LifecycleClocks(DateTime? Newest, DateTime? Safe, int? PartitionCount, int PartitionsWithClock);

/// <summary>The SQL of <c>pipeline_state</c> and <c>partition_clocks</c>: the clocks every batch advances.</summary>
internal static class PipelineStateTable
{
    // The newest clock, and the partition count the markers tell (greatest() skips a null: a batch without
    // markers leaves the count as it is). Kafka partitions are only ever added, so the count only grows.
    private const string AdvanceClock = """
        update pipeline_state
        set pipeline_clock = greatest(coalesce(pipeline_clock, '-infinity'), @clock),
            partition_count = greatest(partition_count, @partition_count)
        returning pipeline_clock
        """;

    // Each partition's marker clock only moves forward: a batch delivered again, or an older member's late
    // commit after a rebalance, cannot move it back. Rows in partition order, before pipeline_state, in every
    // transaction: concurrent batches of one partition (a rebalance) queue for its row without deadlocks.
    private const string AdvancePartitionClocks = """
        insert into partition_clocks (partition, clock)
        select * from unnest(@partition::int[], @clock::timestamptz[]) order by 1
        on conflict (partition) do update set clock = greatest(partition_clocks.clock, excluded.clock)
        """;

    // The safe clock exists only when every partition below the count the markers gave has a marker clock.
    private const string ReadClocks = """
        select p.pipeline_clock as newest,
               (select min(c.clock) from partition_clocks c where c.partition < p.partition_count having count(*) = p.partition_count) as safe,
               p.partition_count,
               (select count(*) from partition_clocks c where c.partition < p.partition_count)::int as partitions_with_clock
        from pipeline_state p
        """;

    /// <summary>Adds the statements that advance the clocks (the partition clocks first, see above) to a batch.</summary>
    internal static void AddAdvance(NpgsqlBatch batch, long maxSnapshot, PartitionClocks markers)
    {
        if (!markers.IsEmpty)
        {
            var partitions = markers.ByPartition.ToArray();
            var advance = new NpgsqlBatchCommand(AdvancePartitionClocks);
            advance.Parameters.Add(new NpgsqlParameter<int[]>("partition", partitions.Select(p => p.Key).ToArray()));
            advance.Parameters.Add(new NpgsqlParameter<DateTime[]>("clock", partitions.Select(p => ToUtc(p.Value)).ToArray()));
            batch.BatchCommands.Add(advance);
        }

        var clock = new NpgsqlBatchCommand(AdvanceClock);
        clock.Parameters.Add(new NpgsqlParameter<DateTime>("clock", ToUtc(Math.Max(maxSnapshot, markers.Newest ?? long.MinValue))));
        clock.Parameters.Add(new NpgsqlParameter("partition_count", NpgsqlTypes.NpgsqlDbType.Integer) { Value = markers.PartitionCount is { } count ? count : DBNull.Value });
        batch.BatchCommands.Add(clock);
    }

    /// <summary>Runs a batch that ends with <see cref="AddAdvance"/>; returns the newest clock.</summary>
    internal static async Task<DateTimeOffset?> ExecuteAdvanceAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        DateTimeOffset? pipelineClock = null;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                pipelineClock = new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
        return pipelineClock;
    }

    /// <summary>Reads both clocks.</summary>
    internal static async Task<LifecycleClocks> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReadClocks, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        int newest = reader.GetOrdinal("newest"), safe = reader.GetOrdinal("safe"), count = reader.GetOrdinal("partition_count"), withClock = reader.GetOrdinal("partitions_with_clock");
        return new LifecycleClocks(
            reader.IsDBNull(newest) ? null : reader.GetFieldValue<DateTime>(newest),
            reader.IsDBNull(safe) ? null : reader.GetFieldValue<DateTime>(safe),
            RowReaders.NullableInt(reader, count),
            reader.GetInt32(withClock));
    }
}
