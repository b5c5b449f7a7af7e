namespace Flights.Tests.Unit.Architecture.FakeCore.Processing;

/// <summary>An orchestrator of the fake core the layering checker is tried on.</summary>
internal sealed class FakeProcessor;
