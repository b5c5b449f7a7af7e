namespace Flights.Core.Kafka;

/// <summary>A Kafka record as the processor receives it, whichever host consumed it.</summary>
/// <param name="Topic">Source topic.</param>
/// <param name="Partition">Source partition.</param>
/// <param name="Offset">Offset in the partition.</param>
/// <param name="Key">Key bytes (icao24), may be null.</param>
/// <param name="Value">Value bytes (the state document), may be null.</param>
public readonly record struct IncomingMessage(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value);
