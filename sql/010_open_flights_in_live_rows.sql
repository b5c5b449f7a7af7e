-- 010: the write path, second version (issue 17): an open flight's running values live in its aircraft's
-- live_status row, its route points in an append-only table; the flight_sessions row is written when the
-- flight opens and when it ends. Read open flights through flight_sessions_current.
--
-- Why: every batch rewrote the flight_sessions row of every aircraft it carried, and with a new route point
-- the whole JSONB route (route || point has no in-place append: a TOASTed route is read, decompressed, copied
-- and compressed again, 11 MB of WAL per 12,000-aircraft batch). The live row is rewritten by every batch
-- anyway; carrying the flight's counters there costs a few columns more on an update that happens regardless.
-- Ended flights keep their JSONB route exactly as before: the points are folded into it when the flight ends.

-- The open flight of the aircraft (null when it has none): its id and the values that change with every state.
alter table live_status
    add column flight_session_id     bigint,
    add column flight_callsign       text,
    add column flight_last_signal_at timestamptz,
    add column flight_last_point_at  timestamptz,
    add column flight_last_point_lat double precision,
    add column flight_last_point_lon double precision,
    add column flight_point_count    integer,
    add column flight_state_count    integer,
    add column flight_max_gap_s      integer,
    add column flight_distance_km    double precision,
    add column flight_max_altitude_m double precision,
    add column flight_ground_since   timestamptz,
    add column flight_ground_point   jsonb,
    add constraint live_status_flight_complete check ((flight_session_id is null) = (flight_state_count is null));

-- Route points of open flights, in the order they were appended; moved into flight_sessions.route (and deleted
-- here) in the transaction that ends the flight. A flight's points have strictly increasing times (one every
-- route point interval, the final point only if newer), so (session, time) is a key. No foreign key: the
-- writer inserts points only for sessions it holds the aircraft lock of, and a per-row check would cost an
-- index probe per point.
create table route_points (
    session_id bigint      not null,
    point_time timestamptz not null,
    point      jsonb       not null,
    primary key (session_id, point_time)
);

-- Flights that are open now: their running values and route moved out of the row at migration.
insert into route_points (session_id, point_time, point)
select s.session_id, (p.point->>'t')::timestamptz, p.point
from flight_sessions s, jsonb_array_elements(s.route) as p(point)
where s.ended_at is null;

update live_status l
set flight_session_id = s.session_id, flight_callsign = s.callsign, flight_last_signal_at = s.last_signal_at,
    flight_last_point_at = s.last_point_at, flight_last_point_lat = s.last_point_lat, flight_last_point_lon = s.last_point_lon,
    flight_point_count = s.point_count, flight_state_count = s.state_count, flight_max_gap_s = s.max_gap_s,
    flight_distance_km = s.distance_km, flight_max_altitude_m = s.max_altitude_m, flight_ground_since = s.ground_since,
    flight_ground_point = s.ground_point
from flight_sessions s
where s.ended_at is null and s.aircraft_id = l.aircraft_id;

update flight_sessions set route = '[]' where ended_at is null;

-- Every flight as it is now: ended flights as stored, open flights with the running values of their live row
-- and their route so far. Same columns, in the same order, as flight_sessions. The route subquery runs only
-- when a query reads the route.
create view flight_sessions_current as
select s.session_id,
       s.aircraft_id,
       case when l.aircraft_id is null then s.callsign else l.flight_callsign end as callsign,
       s.started_at,
       s.ended_at,
       s.start_reason,
       s.end_reason,
       case when l.aircraft_id is null then s.last_signal_at else l.flight_last_signal_at end as last_signal_at,
       case when l.aircraft_id is null then s.last_point_at else l.flight_last_point_at end as last_point_at,
       case when l.aircraft_id is null then s.last_point_lat else l.flight_last_point_lat end as last_point_lat,
       case when l.aircraft_id is null then s.last_point_lon else l.flight_last_point_lon end as last_point_lon,
       case when l.aircraft_id is null then s.point_count else l.flight_point_count end as point_count,
       case when l.aircraft_id is null then s.state_count else l.flight_state_count end as state_count,
       case when l.aircraft_id is null then s.max_gap_s else l.flight_max_gap_s end as max_gap_s,
       case when l.aircraft_id is null then s.route
            else coalesce((select jsonb_agg(p.point order by p.point_time) from route_points p where p.session_id = s.session_id), '[]'::jsonb)
       end as route,
       case when l.aircraft_id is null then s.distance_km else l.flight_distance_km end as distance_km,
       case when l.aircraft_id is null then s.max_altitude_m else l.flight_max_altitude_m end as max_altitude_m,
       case when l.aircraft_id is null then s.ground_since else l.flight_ground_since end as ground_since,
       case when l.aircraft_id is null then s.ground_point else l.flight_ground_point end as ground_point,
       s.departure_airport,
       s.departure_distance_km,
       s.departure_height_m,
       s.departure_method,
       s.departure_unknown_reason,
       s.arrival_airport,
       s.arrival_distance_km,
       s.arrival_height_m,
       s.arrival_method,
       s.arrival_unknown_reason
from flight_sessions s
left join live_status l on s.ended_at is null and l.aircraft_id = s.aircraft_id and l.flight_session_id = s.session_id;

-- The BI views read open flights' running values too (same columns as before: only the source changes).
create or replace view bi_flights as
select s.session_id as flight_id,
       a.icao24,
       s.callsign,
       case when upper(left(s.callsign, 3)) ~ '^[A-Z]{3}$' then upper(left(s.callsign, 3)) end as callsign_prefix,
       a.registration,
       a.type_code,
       a.model,
       a.manufacturer,
       a.operator,
       a.origin_country,
       s.started_at,
       s.ended_at,
       s.ended_at is null as is_open,
       round(extract(epoch from least(coalesce(s.ended_at, 'infinity'), s.last_signal_at) - s.started_at) / 60, 1) as duration_min,
       round(s.distance_km::numeric, 1) as distance_km,
       s.max_altitude_m,
       s.start_reason,
       s.end_reason,
       s.point_count
from flight_sessions_current s
join bi_aircraft a on a.aircraft_id = s.aircraft_id;

create or replace view bi_flight_airports as
select s.session_id as flight_id,
       d.transponder_hex as icao24,
       s.callsign,
       s.started_at,
       s.ended_at,
       s.start_reason,
       s.end_reason,
       s.departure_airport,
       dep.name as departure_name,
       dep.iata_code as departure_iata,
       s.departure_distance_km,
       s.departure_height_m,
       s.departure_method,
       s.departure_unknown_reason,
       s.arrival_airport,
       arr.name as arrival_name,
       arr.iata_code as arrival_iata,
       s.arrival_distance_km,
       s.arrival_height_m,
       s.arrival_method,
       s.arrival_unknown_reason
from flight_sessions_current s
join dim_aircrafts d on d.aircraft_id = s.aircraft_id
left join airports dep on dep.ident = s.departure_airport
left join airports arr on arr.ident = s.arrival_airport;

create or replace view bi_emergencies as
select e.event_id,
       d.transponder_hex as icao24,
       s.callsign,
       e.session_id as flight_id,
       e.squawk,
       case e.squawk when '7500' then 'unlawful interference' when '7600' then 'radio failure' else 'general emergency' end as meaning,
       e.started_at,
       e.last_seen_at,
       e.closed_at,
       e.state_count
from emergency_events e
join dim_aircrafts d on d.aircraft_id = e.aircraft_id
left join flight_sessions_current s on s.session_id = e.session_id;

-- The roles of 007 get the new table and view through its default privileges; the BI role (002) is granted here.
do $$
begin
    if exists (select from pg_roles where rolname = 'flights_bi') then
        grant select on flight_sessions_current to flights_bi;
    end if;
end
$$;
