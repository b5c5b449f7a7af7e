using Flights.Tests.Unit.Architecture.FakeCore.Processing;

namespace Flights.Tests.Unit.Architecture.FakeCore.Storage;

/// <summary>A storage type of the fake core that breaks the layering: it holds a Processing type.</summary>
internal sealed class FakeWriter
{
    public List<FakeProcessor[]> Upward { get; } = [];
}
