using Npgsql;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>The SQL of <c>dim_aircrafts</c>: new aircraft, the per-aircraft lock, and the master data every batch updates.</summary>
internal static class AircraftTable
{
    // New aircraft get last_seen = -infinity so that every state of theirs counts as new; the update at the
    // end of the batch sets the real value before anything is committed. Nearly every aircraft of a batch is
    // known already: filtering those out with a plain lookup first is far cheaper than letting ON CONFLICT
    // try each one (measured: ~15 instead of ~90 ms for 12,000 known aircraft); ON CONFLICT still settles a
    // race with a concurrent batch that inserts the same new aircraft.
    internal const string InsertNew = """
        insert into dim_aircrafts (transponder_hex, first_seen, last_seen)
        select hex, first_seen, '-infinity'
        from unnest(@hex::text[], @first_seen::timestamptz[]) as n(hex, first_seen)
        where not exists (select 1 from dim_aircrafts d where d.transponder_hex = n.hex)
        order by hex
        on conflict (transponder_hex) do nothing
        """;

    /// <summary>The ids of aircraft by transponder (after <see cref="InsertNew"/>, every one of them has a row).</summary>
    internal const string SelectIds = """
        select aircraft_id, transponder_hex
        from dim_aircrafts
        where transponder_hex = any(@hex::text[])
        """;

    // The per-aircraft lock, taken in id order by every batch: it serialises concurrent batches for the same
    // aircraft without deadlocks; the closer skips locked rows (SKIP LOCKED) and so never waits on it. Every row of
    // an aircraft (its live row, its open flight, its route points, its emergency periods) is changed only by a
    // holder of this lock. The transponders come back so that the writer can check its id cache, and the first and
    // last seen times (the watermark) as they are once locked: FOR UPDATE returns a row's newest committed version.
    internal const string Lock = """
        select aircraft_id, transponder_hex, first_seen, last_seen
        from dim_aircrafts
        where aircraft_id = any(@id::bigint[])
        order by aircraft_id
        for update
        """;

    private const string Update = """
        update dim_aircrafts d
        set last_seen = greatest(d.last_seen, u.last_seen),
            first_seen = least(d.first_seen, u.first_seen),
            last_callsign = case when u.last_seen > d.last_seen then coalesce(u.callsign, d.last_callsign) else d.last_callsign end,
            category = case when u.last_seen > d.last_seen then coalesce(u.category, d.category) else d.category end,
            origin_country = coalesce(u.country, d.origin_country)
        from unnest(@id::bigint[], @first_seen::timestamptz[], @last_seen::timestamptz[], @callsign::text[], @category::smallint[], @country::text[])
             as u(id, first_seen, last_seen, callsign, category, country)
        where d.aircraft_id = u.id
        """;

    /// <summary>The aircraft rows a batch updates, as array parameters.</summary>
    internal sealed class UpdateColumns(int capacity)
    {
        private readonly List<long> id = new(capacity);
        private readonly List<DateTime> firstSeen = new(capacity);
        private readonly List<DateTime> lastSeen = new(capacity);
        private readonly List<string?> callsign = new(capacity);
        private readonly List<short?> category = new(capacity);
        private readonly List<string?> country = new(capacity);

        public int Count => id.Count;

        public void Add(long aircraftId, long first, long last, string? latestCallsign, short? latestCategory, string? originCountry)
        {
            id.Add(aircraftId);
            firstSeen.Add(ToUtc(first));
            lastSeen.Add(ToUtc(last));
            callsign.Add(latestCallsign);
            category.Add(latestCategory);
            country.Add(originCountry);
        }

        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(Update);
            command.Parameters.Add(new NpgsqlParameter<long[]>("id", id.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("first_seen", firstSeen.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("last_seen", lastSeen.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("callsign", callsign.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<short?[]>("category", category.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("country", country.ToArray()));
            return command;
        }
    }
}
