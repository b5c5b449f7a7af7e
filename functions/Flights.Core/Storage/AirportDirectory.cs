using Flights.Core.Sessions;
using Npgsql;

namespace Flights.Core.Storage;

/// <summary>
/// The process's copy of the <c>airports</c> table as an <see cref="AirportIndex"/>: read on first use and
/// again when older than <see cref="AirportOptions.RefreshInterval"/>, so a catalogue loaded while the
/// pipeline runs is picked up without a restart. The look-ups themselves never touch the database: the smart
/// write stays as fast as without airports (see README, Performance).
/// </summary>
public sealed class AirportDirectory(NpgsqlDataSource dataSource, AirportOptions options, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly SemaphoreSlim reload = new(1, 1);
    private readonly IReadOnlySet<string> types = options.TypeSet();
    private volatile Loaded? current;

    /// <summary>The rules these airports are judged by.</summary>
    public AirportRules Rules { get; } = new(options);

    /// <summary>The current index, read again first when it is stale.</summary>
    public async Task<AirportIndex> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } index)
        {
            return index;
        }

        await reload.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } loaded)
            {
                return loaded; // another batch read it meanwhile
            }

            var airports = await AirportsTable.ReadAsync(dataSource, cancellationToken);
            var fresh = new AirportIndex(airports, types);
            current = new Loaded(fresh, clock.GetTimestamp());
            return fresh;
        }
        finally
        {
            reload.Release();
        }
    }

    private AirportIndex? Fresh() =>
        current is { } c && clock.GetElapsedTime(c.LoadedAt) < options.RefreshInterval ? c.Index : null;

    // One reference, so concurrent batches see the index and its time together.
    private sealed record Loaded(AirportIndex Index, long LoadedAt);
}
