using Flights.Core.Sessions;
using Npgsql;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>
/// The writes of the flight-intelligence rules (migration 009), shared by the smart write and the closer:
/// the airports decided for sessions and the emergency squawk periods. Both run after the sessions are
/// stored, as statements of their own, so the session staging stays as it is; they touch only the few
/// sessions that got their first position or ended in the batch.
/// </summary>
internal static class IntelligenceRows
{
    /// <summary>Emergency periods of the batch's aircraft that may go on (not closed, seen since <c>@since</c>).</summary>
    internal const string LoadOpenEmergencies = """
        select e.aircraft_id, e.squawk, e.started_at, e.last_seen_at, e.state_count
        from emergency_events e
        where e.closed_at is null and e.last_seen_at >= @since and e.aircraft_id = any(@id::bigint[])
        """;

    // A session is found by aircraft and start time: sessions this batch opened have no id in the process yet,
    // and one aircraft never has two sessions starting at the same second. A side not decided now keeps its value.
    private const string UpdateAirports = """
        update flight_sessions s
        set departure_airport = case when u.set_departure then u.departure_airport else s.departure_airport end,
            departure_distance_km = case when u.set_departure then u.departure_distance_km else s.departure_distance_km end,
            departure_height_m = case when u.set_departure then u.departure_height_m else s.departure_height_m end,
            departure_method = case when u.set_departure then u.departure_method else s.departure_method end,
            departure_unknown_reason = case when u.set_departure then u.departure_reason else s.departure_unknown_reason end,
            arrival_airport = case when u.set_arrival then u.arrival_airport else s.arrival_airport end,
            arrival_distance_km = case when u.set_arrival then u.arrival_distance_km else s.arrival_distance_km end,
            arrival_height_m = case when u.set_arrival then u.arrival_height_m else s.arrival_height_m end,
            arrival_method = case when u.set_arrival then u.arrival_method else s.arrival_method end,
            arrival_unknown_reason = case when u.set_arrival then u.arrival_reason else s.arrival_unknown_reason end
        from unnest(@aircraft_id::bigint[], @started_at::timestamptz[],
                    @set_departure::bool[], @departure_airport::text[], @departure_distance_km::float8[], @departure_height_m::float8[],
                    @departure_method::text[], @departure_reason::text[],
                    @set_arrival::bool[], @arrival_airport::text[], @arrival_distance_km::float8[], @arrival_height_m::float8[],
                    @arrival_method::text[], @arrival_reason::text[])
             as u(aircraft_id, started_at, set_departure, departure_airport, departure_distance_km, departure_height_m,
                  departure_method, departure_reason, set_arrival, arrival_airport, arrival_distance_km, arrival_height_m,
                  arrival_method, arrival_reason)
        where s.aircraft_id = u.aircraft_id and s.started_at = u.started_at
        """;

    // The flight of a period: the newest one that began before the period's newest state and had not ended before
    // the period began. The unique key makes a period written twice one row (at-least-once input).
    private const string UpsertEmergencies = """
        insert into emergency_events as e (aircraft_id, session_id, squawk, started_at, last_seen_at, state_count, closed_at)
        select u.aircraft_id,
               (select s.session_id from flight_sessions s
                where s.aircraft_id = u.aircraft_id and s.started_at <= u.last_seen_at and (s.ended_at is null or s.ended_at >= u.started_at)
                order by s.started_at desc limit 1),
               u.squawk, u.started_at, u.last_seen_at, u.state_count, u.closed_at
        from unnest(@aircraft_id::bigint[], @squawk::text[], @started_at::timestamptz[], @last_seen_at::timestamptz[],
                    @state_count::int[], @closed_at::timestamptz[])
             as u(aircraft_id, squawk, started_at, last_seen_at, state_count, closed_at)
        order by u.aircraft_id, u.started_at
        on conflict (aircraft_id, squawk, started_at) do update
        set last_seen_at = greatest(e.last_seen_at, excluded.last_seen_at),
            state_count = greatest(e.state_count, excluded.state_count),
            closed_at = coalesce(e.closed_at, excluded.closed_at),
            session_id = coalesce(e.session_id, excluded.session_id)
        """;

    /// <summary>The statement that stores the decided airports.</summary>
    internal static NpgsqlBatchCommand AirportsCommand(IReadOnlyList<SessionAirports> decided)
    {
        var command = new NpgsqlBatchCommand(UpdateAirports);
        command.Parameters.Add(new NpgsqlParameter<long[]>("aircraft_id", decided.Select(d => d.Session.AircraftId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("started_at", decided.Select(d => ToUtc(d.Session.StartedAt)).ToArray()));
        AddSide(command, "departure", decided.Select(d => d.Departure).ToArray());
        AddSide(command, "arrival", decided.Select(d => d.Arrival).ToArray());
        return command;
    }

    /// <summary>The statement that stores the changed emergency periods.</summary>
    internal static NpgsqlBatchCommand EmergenciesCommand(IReadOnlyList<EmergencyPeriod> periods)
    {
        var command = new NpgsqlBatchCommand(UpsertEmergencies);
        command.Parameters.Add(new NpgsqlParameter<long[]>("aircraft_id", periods.Select(p => p.AircraftId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("squawk", periods.Select(p => p.Squawk).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("started_at", periods.Select(p => ToUtc(p.StartedAt)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("last_seen_at", periods.Select(p => ToUtc(p.LastSeenAt)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<int[]>("state_count", periods.Select(p => p.StateCount).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("closed_at", periods.Select(p => ToUtc(p.ClosedAt)).ToArray()));
        return command;
    }

    /// <summary>Reads one row of <see cref="LoadOpenEmergencies"/>.</summary>
    internal static EmergencyPeriod ReadOpenEmergency(NpgsqlDataReader reader) => new()
    {
        AircraftId = reader.GetInt64(0),
        Squawk = reader.GetString(1),
        StartedAt = ToUnix(reader.GetFieldValue<DateTime>(2)),
        LastSeenAt = ToUnix(reader.GetFieldValue<DateTime>(3)),
        StateCount = reader.GetInt32(4),
    };

    private static void AddSide(NpgsqlBatchCommand command, string side, AirportDecision?[] decisions)
    {
        command.Parameters.Add(new NpgsqlParameter<bool[]>("set_" + side, decisions.Select(d => d is not null).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>(side + "_airport", decisions.Select(d => d?.Airport).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<double?[]>(side + "_distance_km", decisions.Select(d => d?.DistanceKm).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<double?[]>(side + "_height_m", decisions.Select(d => d?.HeightM).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>(side + "_method", decisions.Select(d => d?.Method).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>(side + "_reason", decisions.Select(d => d?.UnknownReason).ToArray()));
    }
}
