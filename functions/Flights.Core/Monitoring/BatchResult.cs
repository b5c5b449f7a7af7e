using Flights.Core.Storage;

namespace Flights.Core.Monitoring;

/// <summary>What one batch did, for the log line, the metrics and the replay summary.</summary>
public sealed record BatchResult(int Messages, int DeadLettered, IReadOnlyDictionary<RejectReason, int> Rejected, WriteResult Write)
{
    /// <summary>Snapshot markers (and other control messages) in the batch: messages, but not states.</summary>
    public int ControlMessages { get; init; }

    /// <summary>All rejected states, whatever the reason.</summary>
    public int RejectedTotal => Rejected.Values.Sum();
}
