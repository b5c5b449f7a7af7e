using Flights.Core.Sessions;
using Npgsql;
using static Flights.Core.Storage.SmartWriter;
using static Flights.Core.UnixTime;

namespace Flights.Core.Storage;

/// <summary>
/// Reading and writing <c>flight_sessions</c> rows as <see cref="FlightSession"/> working copies: shared by
/// the smart write and the stale-flight closer so both store a session the same way.
/// </summary>
internal static class SessionRows
{
    /// <summary>The session columns <see cref="Read"/> expects, in order (16 columns, table alias <c>s</c>).</summary>
    internal const string Columns = """
        s.session_id, s.aircraft_id, s.callsign, s.started_at, s.start_reason, s.last_signal_at, s.last_point_at,
        s.last_point_lat, s.last_point_lon, s.point_count, s.state_count, s.max_gap_s, s.distance_km,
        s.max_altitude_m, s.ground_since, s.ground_point::text
        """;

    internal const string UpdateSessions = """
        update flight_sessions s
        set callsign = u.callsign, last_signal_at = u.last_signal_at, last_point_at = u.last_point_at,
            last_point_lat = u.last_point_lat, last_point_lon = u.last_point_lon, point_count = u.point_count,
            state_count = u.state_count, max_gap_s = u.max_gap_s, distance_km = u.distance_km,
            max_altitude_m = u.max_altitude_m, ground_since = u.ground_since, ground_point = u.ground_point::jsonb,
            ended_at = u.ended_at, end_reason = u.end_reason,
            route = case when u.new_points is null then s.route else s.route || u.new_points::jsonb end
        from unnest(@id::bigint[], @callsign::text[], @last_signal_at::timestamptz[], @last_point_at::timestamptz[],
                    @last_point_lat::float8[], @last_point_lon::float8[], @point_count::int[], @state_count::int[],
                    @max_gap_s::int[], @distance_km::float8[], @max_altitude_m::float8[], @ground_since::timestamptz[],
                    @ground_point::text[], @ended_at::timestamptz[], @end_reason::text[], @new_points::text[])
             as u(id, callsign, last_signal_at, last_point_at, last_point_lat, last_point_lon, point_count, state_count,
                  max_gap_s, distance_km, max_altitude_m, ground_since, ground_point, ended_at, end_reason, new_points)
        where s.session_id = u.id
        """;

    internal const string InsertSessions = """
        insert into flight_sessions (aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at,
            last_point_lat, last_point_lon, point_count, state_count, max_gap_s, distance_km, max_altitude_m,
            ground_since, ground_point, ended_at, end_reason, route)
        select aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at, last_point_lat, last_point_lon,
               point_count, state_count, max_gap_s, distance_km, max_altitude_m, ground_since, ground_point::jsonb,
               ended_at, end_reason, coalesce(new_points::jsonb, '[]'::jsonb)
        from unnest(@aircraft_id::bigint[], @callsign::text[], @started_at::timestamptz[], @start_reason::text[],
                    @last_signal_at::timestamptz[], @last_point_at::timestamptz[], @last_point_lat::float8[], @last_point_lon::float8[],
                    @point_count::int[], @state_count::int[], @max_gap_s::int[], @distance_km::float8[], @max_altitude_m::float8[],
                    @ground_since::timestamptz[], @ground_point::text[], @ended_at::timestamptz[], @end_reason::text[], @new_points::text[])
             as n(aircraft_id, callsign, started_at, start_reason, last_signal_at, last_point_at, last_point_lat, last_point_lon,
                  point_count, state_count, max_gap_s, distance_km, max_altitude_m, ground_since, ground_point, ended_at, end_reason, new_points)
        order by aircraft_id, started_at
        """;

    /// <summary>Reads the <see cref="Columns"/> starting at <paramref name="offset"/>.</summary>
    internal static FlightSession Read(NpgsqlDataReader reader, int offset) => new()
    {
        SessionId = reader.GetInt64(offset),
        AircraftId = reader.GetInt64(offset + 1),
        Callsign = NullableString(reader, offset + 2),
        StartedAt = ToUnix(reader.GetFieldValue<DateTime>(offset + 3)),
        StartReason = reader.GetString(offset + 4),
        LastSignalAt = ToUnix(reader.GetFieldValue<DateTime>(offset + 5)),
        LastPointAt = NullableTime(reader, offset + 6),
        LastPointLatitude = NullableDouble(reader, offset + 7),
        LastPointLongitude = NullableDouble(reader, offset + 8),
        PointCount = reader.GetInt32(offset + 9),
        StateCount = reader.GetInt32(offset + 10),
        MaxGapSeconds = reader.GetInt32(offset + 11),
        DistanceKm = reader.GetDouble(offset + 12),
        MaxAltitudeM = NullableDouble(reader, offset + 13),
        GroundSince = NullableTime(reader, offset + 14),
        GroundPoint = reader.IsDBNull(offset + 15) ? null : RoutePoint.FromJson(reader.GetString(offset + 15)),
    };

    internal sealed class ColumnSet
    {
        private readonly List<long> id = [];
        private readonly List<long> aircraftId = [];
        private readonly List<string?> callsign = [];
        private readonly List<DateTime> startedAt = [];
        private readonly List<string> startReason = [];
        private readonly List<DateTime> lastSignalAt = [];
        private readonly List<DateTime?> lastPointAt = [];
        private readonly List<double?> lastPointLat = [];
        private readonly List<double?> lastPointLon = [];
        private readonly List<int> pointCount = [];
        private readonly List<int> stateCount = [];
        private readonly List<int> maxGap = [];
        private readonly List<double> distance = [];
        private readonly List<double?> maxAltitude = [];
        private readonly List<DateTime?> groundSince = [];
        private readonly List<string?> groundPoint = [];
        private readonly List<DateTime?> endedAt = [];
        private readonly List<string?> endReason = [];
        private readonly List<string?> newPoints = [];

        public int Count => lastSignalAt.Count;

        public void Add(FlightSession s)
        {
            id.Add(s.SessionId ?? 0);
            aircraftId.Add(s.AircraftId);
            callsign.Add(s.Callsign);
            startedAt.Add(ToUtc(s.StartedAt));
            startReason.Add(s.StartReason);
            lastSignalAt.Add(ToUtc(s.LastSignalAt));
            lastPointAt.Add(ToUtc(s.LastPointAt));
            lastPointLat.Add(s.LastPointLatitude);
            lastPointLon.Add(s.LastPointLongitude);
            pointCount.Add(s.PointCount);
            stateCount.Add(s.StateCount);
            maxGap.Add(s.MaxGapSeconds);
            distance.Add(Math.Round(s.DistanceKm, 3));
            maxAltitude.Add(s.MaxAltitudeM);
            groundSince.Add(ToUtc(s.GroundSince));
            groundPoint.Add(s.GroundPoint is null ? null : RoutePoint.ToJsonArray([s.GroundPoint])[1..^1]);
            endedAt.Add(ToUtc(s.EndedAt));
            endReason.Add(s.EndReason);
            newPoints.Add(s.NewPoints.Count == 0 ? null : RoutePoint.ToJsonArray(s.NewPoints));
        }

        public NpgsqlBatchCommand ToUpdateCommand()
        {
            var command = new NpgsqlBatchCommand(UpdateSessions);
            command.Parameters.Add(new NpgsqlParameter<long[]>("id", id.ToArray()));
            AddCommon(command);
            return command;
        }

        public NpgsqlBatchCommand ToInsertCommand()
        {
            var command = new NpgsqlBatchCommand(InsertSessions);
            command.Parameters.Add(new NpgsqlParameter<long[]>("aircraft_id", aircraftId.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("started_at", startedAt.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string[]>("start_reason", startReason.ToArray()));
            AddCommon(command);
            return command;
        }

        private void AddCommon(NpgsqlBatchCommand command)
        {
            command.Parameters.Add(new NpgsqlParameter<string?[]>("callsign", callsign.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("last_signal_at", lastSignalAt.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("last_point_at", lastPointAt.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("last_point_lat", lastPointLat.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("last_point_lon", lastPointLon.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<int[]>("point_count", pointCount.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<int[]>("state_count", stateCount.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<int[]>("max_gap_s", maxGap.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double[]>("distance_km", distance.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<double?[]>("max_altitude_m", maxAltitude.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("ground_since", groundSince.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("ground_point", groundPoint.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("ended_at", endedAt.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("end_reason", endReason.ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("new_points", newPoints.ToArray()));
        }
    }
}
