-- 002: read-only views for BI tools (Power BI, Excel, Metabase) and the role they read with.
-- docs/bi.md describes every view and how to connect. Views rather than tables: they always show the
-- current warehouse and cost nothing to keep up to date. All times are timestamptz (UTC); day and hour
-- columns are UTC.

-- The health check counts flights ended in the last hour, and BI filters flights by end time; without
-- this every such query scans all sessions. ended_at is null while a flight is open, so the updates of
-- open sessions stay HOT.
create index flight_sessions_ended_at on flight_sessions (ended_at) where ended_at is not null;

-- One row per aircraft with its attributes: the one place views and the dashboard read them from.
create view bi_aircraft as
select d.aircraft_id,
       d.transponder_hex as icao24,
       d.origin_country,
       d.last_callsign,
       d.category,
       d.first_seen,
       d.last_seen,
       d.registration,
       d.manufacturer,
       d.model,
       d.type_code,
       d.operator,
       d.operator_icao
from dim_aircrafts d;

-- One row per flight. duration_min is the observed time: from the start to the touchdown (landed) or
-- to the last signal (signal lost, or still open), never the threshold the closer waited on top.
-- callsign_prefix: the ICAO airline designator when the callsign starts with three letters (DLH4AB ->
-- DLH); null for registrations used as callsigns (N123AB, D-EABC sends DEABC: a known false positive).
create view bi_flights as
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
from flight_sessions s
join bi_aircraft a on a.aircraft_id = s.aircraft_id;

-- Flights started per UTC hour.
create view bi_traffic_hourly as
select (date_trunc('hour', f.started_at at time zone 'UTC'))::date as day,
       extract(hour from f.started_at at time zone 'UTC')::int as hour,
       count(*) as flights,
       count(distinct f.icao24) as aircraft,
       sum(f.distance_km) as distance_km
from bi_flights f
group by 1, 2;

-- Flights started per UTC day.
create view bi_traffic_daily as
select (f.started_at at time zone 'UTC')::date as day,
       count(*) as flights,
       count(distinct f.icao24) as aircraft,
       sum(f.distance_km) as distance_km,
       round(sum(f.duration_min) / 60, 1) as flight_hours
from bi_flights f
group by 1;

-- Activity per operator (callsign prefix); operator_name is the enrichment's most common operator name
-- among its flights, when the aircraft database was imported.
create view bi_operator_activity as
select f.callsign_prefix as operator_code,
       mode() within group (order by f.operator) as operator_name,
       count(*) as flights,
       count(distinct f.icao24) as aircraft,
       sum(f.distance_km) as distance_km,
       round(sum(f.duration_min) / 60, 1) as flight_hours,
       min(f.started_at) as first_flight,
       max(f.started_at) as last_flight
from bi_flights f
where f.callsign_prefix is not null
group by 1;

-- Activity per country of registration (OpenSky's origin_country, from the transponder address).
create view bi_country_activity as
select f.origin_country,
       count(*) as flights,
       count(distinct f.icao24) as aircraft,
       sum(f.distance_km) as distance_km,
       round(sum(f.duration_min) / 60, 1) as flight_hours
from bi_flights f
group by 1;

-- The role BI tools read with: SELECT on the views only, never the tables. NOLOGIN: a login role is made
-- per person or tool and granted flights_bi (docs/bi.md). Roles are cluster-wide and may exist already
-- (another database, a concurrent migration); a migrating user without CREATEROLE gets a warning and an
-- administrator creates the role, after which `flights db migrate` of a later version grants again.
do $$
begin
    if not exists (select from pg_roles where rolname = 'flights_bi') then
        begin
            create role flights_bi nologin;
        exception
            when duplicate_object or unique_violation then null; -- created meanwhile by another migration
            when insufficient_privilege then
                raise warning 'role flights_bi not created: % lacks CREATEROLE; see docs/bi.md', current_user;
        end;
    end if;
    if exists (select from pg_roles where rolname = 'flights_bi') then
        execute format('grant usage on schema %I to flights_bi', current_schema());
        grant select on bi_aircraft, bi_flights, bi_traffic_hourly, bi_traffic_daily, bi_operator_activity, bi_country_activity to flights_bi;
    end if;
end
$$;
