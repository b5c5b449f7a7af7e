using Flights.Core.Sessions;
using Npgsql;

namespace Flights.Core.Storage;

/// <summary>
/// The SQL of <c>live_status</c>: the newest state of every aircraft and, since migration 010, the running
/// values of its open flight (the <c>flight_</c> columns; null when it has none).
/// </summary>
internal static class LiveStatusTable
{
    // Rows reach the server by binary COPY into a temporary table: an UPDATE ... FROM unnest over 28 arrays
    // materialises each array first (measured on 12,000 rows: 19.8 ms from a COPY stage, 33 ms from 15 unnest
    // arrays). The table lives until the end of the transaction.
    private const string CreateStage = """
        create temp table live_stage (
            aircraft_id bigint, is_new bool, callsign text, last_contact timestamptz, position_time timestamptz,
            latitude float8, longitude float8, baro_altitude_m float8, geo_altitude_m float8, velocity_kmh float8,
            heading_deg float8, vertical_rate_ms float8, on_ground bool, squawk text, position_source smallint,
            snapshot_time timestamptz,
            flight_session_id bigint, flight_callsign text, flight_last_signal_at timestamptz, flight_last_point_at timestamptz,
            flight_last_point_lat float8, flight_last_point_lon float8, flight_point_count int, flight_state_count int,
            flight_max_gap_s int, flight_distance_km float8, flight_max_altitude_m float8, flight_ground_since timestamptz,
            flight_ground_point jsonb
        ) on commit drop
        """;

    private const string CopyStage = """
        copy live_stage (aircraft_id, is_new, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m,
            geo_altitude_m, velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time,
            flight_session_id, flight_callsign, flight_last_signal_at, flight_last_point_at, flight_last_point_lat,
            flight_last_point_lon, flight_point_count, flight_state_count, flight_max_gap_s, flight_distance_km,
            flight_max_altitude_m, flight_ground_since, flight_ground_point) from stdin (format binary)
        """;

    // Newer wins by the state's own time: the writer stages only aircraft with states newer than their watermark
    // (AircraftHistory.IsNew), so every staged row replaces the stored one. A position is replaced only by a newer
    // position. An UPDATE of the rows that exist plus a plain INSERT of the others costs less than INSERT ... ON
    // CONFLICT DO UPDATE (measured: ~25% less on 12,000 rows); which rows exist is known from the history read
    // under the aircraft lock, and only a holder of that lock writes an aircraft's live row.
    internal const string UpdateFromStage = """
        update live_status l
        set callsign = coalesce(u.callsign, l.callsign),
            last_contact = u.last_contact,
            position_time = case when u.position_time > coalesce(l.position_time, '-infinity') then u.position_time else l.position_time end,
            latitude = case when u.position_time > coalesce(l.position_time, '-infinity') then u.latitude else l.latitude end,
            longitude = case when u.position_time > coalesce(l.position_time, '-infinity') then u.longitude else l.longitude end,
            baro_altitude_m = u.baro_altitude_m, geo_altitude_m = u.geo_altitude_m,
            velocity_kmh = u.velocity_kmh, heading_deg = u.heading_deg, vertical_rate_ms = u.vertical_rate_ms,
            on_ground = u.on_ground, squawk = u.squawk, position_source = u.position_source,
            snapshot_time = u.snapshot_time,
            flight_session_id = u.flight_session_id, flight_callsign = u.flight_callsign,
            flight_last_signal_at = u.flight_last_signal_at, flight_last_point_at = u.flight_last_point_at,
            flight_last_point_lat = u.flight_last_point_lat, flight_last_point_lon = u.flight_last_point_lon,
            flight_point_count = u.flight_point_count, flight_state_count = u.flight_state_count,
            flight_max_gap_s = u.flight_max_gap_s, flight_distance_km = u.flight_distance_km,
            flight_max_altitude_m = u.flight_max_altitude_m, flight_ground_since = u.flight_ground_since,
            flight_ground_point = u.flight_ground_point
        from live_stage u
        where not u.is_new and l.aircraft_id = u.aircraft_id
        """;

    internal const string InsertFromStage = """
        insert into live_status (aircraft_id, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m,
            geo_altitude_m, velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time,
            flight_session_id, flight_callsign, flight_last_signal_at, flight_last_point_at, flight_last_point_lat,
            flight_last_point_lon, flight_point_count, flight_state_count, flight_max_gap_s, flight_distance_km,
            flight_max_altitude_m, flight_ground_since, flight_ground_point)
        select aircraft_id, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m,
            geo_altitude_m, velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time,
            flight_session_id, flight_callsign, flight_last_signal_at, flight_last_point_at, flight_last_point_lat,
            flight_last_point_lon, flight_point_count, flight_state_count, flight_max_gap_s, flight_distance_km,
            flight_max_altitude_m, flight_ground_since, flight_ground_point
        from live_stage
        where is_new
        order by aircraft_id
        """;

    /// <summary>The flights the closer ended leave their aircraft's live row (which stays while the aircraft is recent).</summary>
    private const string ClearFlights = """
        update live_status
        set flight_session_id = null, flight_callsign = null, flight_last_signal_at = null, flight_last_point_at = null,
            flight_last_point_lat = null, flight_last_point_lon = null, flight_point_count = null, flight_state_count = null,
            flight_max_gap_s = null, flight_distance_km = null, flight_max_altitude_m = null, flight_ground_since = null,
            flight_ground_point = null
        where flight_session_id = any(@session_id::bigint[])
        """;

    /// <summary>Aircraft silent for longer than the flight-end threshold and without an open flight leave the live view.</summary>
    private const string DeleteSilent = """
        delete from live_status l
        using (
            select l2.aircraft_id
            from live_status l2
            join dim_aircrafts d on d.aircraft_id = l2.aircraft_id
            where l2.last_contact < @silent_before and l2.flight_session_id is null
            order by d.transponder_hex
            limit @chunk
            for update of d, l2 skip locked
        ) silent
        where l.aircraft_id = silent.aircraft_id
        """;

    /// <summary>The statement that takes the ended sessions off their live rows (<see cref="ClearFlights"/>).</summary>
    internal static NpgsqlBatchCommand ClearFlightsCommand(IEnumerable<long> sessionIds)
    {
        var command = new NpgsqlBatchCommand(ClearFlights);
        command.Parameters.Add(new NpgsqlParameter<long[]>("session_id", sessionIds.ToArray()));
        return command;
    }

    /// <summary>Runs <see cref="DeleteSilent"/> once (one chunk); returns the rows removed.</summary>
    internal static async Task<int> DeleteSilentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTime silentBefore, int chunk, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand(DeleteSilent, connection, transaction);
        delete.Parameters.Add(new NpgsqlParameter<DateTime>("silent_before", silentBefore));
        delete.Parameters.Add(new NpgsqlParameter<int>("chunk", chunk));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The live columns of the history read (table alias <c>l</c>), named <c>live_*</c>.</summary>
    internal const string HistoryColumns = """
        l.on_ground as live_on_ground, l.last_contact as live_last_contact,
        l.position_time as live_position_time, l.latitude as live_latitude, l.longitude as live_longitude,
        l.baro_altitude_m as live_baro_altitude_m, l.geo_altitude_m as live_geo_altitude_m, l.velocity_kmh as live_velocity_kmh,
        l.heading_deg as live_heading_deg, l.vertical_rate_ms as live_vertical_rate_ms
        """;

    /// <summary>Reads the <see cref="HistoryColumns"/> by name.</summary>
    internal sealed class HistoryReader(NpgsqlDataReader reader)
    {
        private readonly int onGround = reader.GetOrdinal("live_on_ground");
        private readonly int lastContact = reader.GetOrdinal("live_last_contact");
        private readonly int positionTime = reader.GetOrdinal("live_position_time");
        private readonly int latitude = reader.GetOrdinal("live_latitude");
        private readonly int longitude = reader.GetOrdinal("live_longitude");
        private readonly int baro = reader.GetOrdinal("live_baro_altitude_m");
        private readonly int geo = reader.GetOrdinal("live_geo_altitude_m");
        private readonly int velocity = reader.GetOrdinal("live_velocity_kmh");
        private readonly int heading = reader.GetOrdinal("live_heading_deg");
        private readonly int verticalRate = reader.GetOrdinal("live_vertical_rate_ms");

        public bool? OnGround => RowReaders.NullableBool(reader, onGround);

        public long? LastContact => RowReaders.NullableTime(reader, lastContact);

        /// <summary>The live row's position as a route point, if it has one.</summary>
        public RoutePoint? Position()
        {
            if (reader.IsDBNull(positionTime) || reader.IsDBNull(latitude))
            {
                return null;
            }

            return new RoutePoint(RowReaders.Time(reader, positionTime), reader.GetDouble(latitude), reader.GetDouble(longitude),
                RowReaders.NullableDouble(reader, baro) ?? RowReaders.NullableDouble(reader, geo), RowReaders.NullableDouble(reader, velocity),
                RowReaders.NullableDouble(reader, heading), RowReaders.NullableDouble(reader, verticalRate), OnGround ?? false);
        }
    }

    /// <summary>Copies the rows into <c>live_stage</c>; <see cref="UpdateFromStage"/> and <see cref="InsertFromStage"/> then apply them.</summary>
    internal static async Task StageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<LiveRow> rows, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var copy = await BinaryCopy.BeginAsync(connection, CopyStage, cancellationToken);
        foreach (var row in rows)
        {
            row.WriteTo(copy);
            await copy.FlushIfFullAsync(cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// One aircraft's live row after a batch: the newest applied state, with the newest position among the applied
    /// states, and the running values of its open flight.
    /// </summary>
    internal sealed class LiveRow
    {
        private readonly long aircraftId;
        private readonly bool isNew;
        private readonly CleanState newest;
        private readonly CleanState? positioned;
        private readonly FlightSession? flight;

        /// <summary>
        /// Of several states with the same position time (whole seconds: two reports within one second differ) the
        /// first is kept, as <see cref="UpdateFromStage"/> keeps the stored one against a later batch, so batching
        /// never changes the row. <paramref name="openFlight"/> is the aircraft's open flight after the batch.
        /// </summary>
        public LiveRow(AircraftHistory history, ReadOnlySpan<CleanState> states, FlightSession? openFlight)
        {
            aircraftId = history.AircraftId;
            isNew = history.LiveLastContact is null;
            newest = states[^1];
            for (var i = states.Length - 1; i >= 0 && history.IsNew(states[i].LastContact); i--)
            {
                if (states[i].HasPosition && (positioned is null || states[i].PositionTime >= positioned.Value.PositionTime))
                {
                    positioned = states[i];
                }
            }

            flight = openFlight;
        }

        public void WriteTo(BinaryCopy copy)
        {
            copy.StartRow(29);
            copy.Bigint(aircraftId);
            copy.Boolean(isNew);
            copy.Text(newest.Callsign);
            copy.Timestamp(newest.LastContact);
            copy.Timestamp(positioned?.PositionTime);
            copy.Double(positioned?.Latitude);
            copy.Double(positioned?.Longitude);
            copy.Double(newest.BaroAltitudeM);
            copy.Double(newest.GeoAltitudeM);
            copy.Double(newest.VelocityKmh);
            copy.Double(newest.HeadingDeg);
            copy.Double(newest.VerticalRateMs);
            copy.Boolean(newest.OnGround);
            copy.Text(newest.Squawk);
            copy.Smallint(newest.PositionSource);
            copy.Timestamp(newest.SnapshotTime);
            if (flight is null)
            {
                for (var i = 0; i < 13; i++)
                {
                    copy.Null();
                }

                return;
            }

            copy.Bigint(flight.SessionId!.Value);
            copy.Text(flight.Callsign);
            SessionTable.WriteRunningValues(copy, flight);
        }
    }
}
