-- 009: flight intelligence (issue 16): the airports reference table, departure and arrival airport per
-- flight, emergency squawk periods, and the BI views over them. README "Airports, emergencies and
-- implausible positions" describes the rules.

-- The OurAirports catalogue (ident = ICAO code where the airport has one). Loaded by AirportsTable.LoadAsync
-- (bulk, idempotent: loading the same catalogue again changes nothing); the processor and the closer read
-- it into memory and find the nearest airport there.
create table airports (
    ident        text             primary key,
    type         text             not null,
    name         text             not null,
    latitude     double precision not null,
    longitude    double precision not null,
    elevation_m  double precision,          -- field elevation; null where OurAirports has none (taken as 0)
    iso_country  text,
    iata_code    text,
    municipality text,
    loaded_at    timestamptz      not null default now(),
    constraint airports_position check (latitude between -90 and 90 and longitude between -180 and 180)
);

-- Departure and arrival airport of each flight, like OpenSky's estDepartureAirport with its horizontal and
-- vertical distances. *_airport is an airports.ident (no foreign key: a catalogue reload must never be blocked
-- by flights that name an airport it no longer has). *_method says how it was found; when no airport was
-- found, *_unknown_reason says why and *_airport is null. All null while not decided yet (an open flight has
-- no arrival; a flight without a position yet has no departure).
alter table flight_sessions
    add column departure_airport        text,
    add column departure_distance_km    double precision, -- from the airport's reference point
    add column departure_height_m       double precision, -- above the airport's elevation (0 on the ground)
    add column departure_method         text,
    add column departure_unknown_reason text,
    add column arrival_airport          text,
    add column arrival_distance_km      double precision,
    add column arrival_height_m         double precision,
    add column arrival_method           text,
    add column arrival_unknown_reason   text,
    add constraint flight_sessions_departure_method check (departure_method in ('takeoff', 'estimated_low')),
    add constraint flight_sessions_arrival_method check (arrival_method in ('touchdown', 'estimated_low')),
    add constraint flight_sessions_departure_decided check ((departure_airport is null) = (departure_method is null)
        and not (departure_airport is not null and departure_unknown_reason is not null)),
    add constraint flight_sessions_arrival_decided check ((arrival_airport is null) = (arrival_method is null)
        and not (arrival_airport is not null and arrival_unknown_reason is not null));

-- Flights by airport (BI views, the dashboard's airport filter). Only ended or decided flights have a value;
-- the columns are set once per flight, so updates of open sessions stay HOT afterwards.
create index flight_sessions_departure_airport on flight_sessions (departure_airport, started_at) where departure_airport is not null;
create index flight_sessions_arrival_airport on flight_sessions (arrival_airport, ended_at) where arrival_airport is not null;

-- Periods of the emergency squawks 7500 (unlawful interference), 7600 (radio failure) and 7700 (general
-- emergency): one row per uninterrupted run of one code. started_at .. last_seen_at are the first and the
-- newest state with the code ("from" and "to"); closed_at is the time of the state with another code that
-- ended the run (null while it may go on, and after a run that ended by silence). A run goes on across states
-- without a squawk and gaps up to the flight-end threshold. session_id is the flight the aircraft was on (null
-- on the ground outside a flight).
create table emergency_events (
    event_id     bigint generated always as identity primary key,
    aircraft_id  bigint      not null references dim_aircrafts (aircraft_id),
    session_id   bigint      references flight_sessions (session_id),
    squawk       text        not null,
    started_at   timestamptz not null,
    last_seen_at timestamptz not null,
    state_count  integer     not null,
    closed_at    timestamptz,
    constraint emergency_events_squawk check (squawk in ('7500', '7600', '7700')),
    constraint emergency_events_order check (last_seen_at >= started_at and (closed_at is null or closed_at > last_seen_at)),
    -- At-least-once input: the same period written twice is one row.
    constraint emergency_events_one_period unique (aircraft_id, squawk, started_at)
);

-- The smart write reads the runs that may go on (not closed, recently seen) for the aircraft of each batch.
create index emergency_events_open on emergency_events (last_seen_at) where closed_at is null;

-- Health and BI: periods by time.
create index emergency_events_last_seen on emergency_events (last_seen_at);

-- One row per flight with its airports (names from the catalogue).
create view bi_flight_airports as
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
from flight_sessions s
join dim_aircrafts d on d.aircraft_id = s.aircraft_id
left join airports dep on dep.ident = s.departure_airport
left join airports arr on arr.ident = s.arrival_airport;

-- Ended flights per (departure, arrival) airport pair; either side may be null (not known), so a BI tool
-- can show "from KIAD to unknown" as well.
create view bi_airport_pairs as
select f.departure_airport,
       min(f.departure_name) as departure_name,
       f.arrival_airport,
       min(f.arrival_name) as arrival_name,
       count(*) as flights,
       count(distinct f.icao24) as aircraft,
       min(f.started_at) as first_departure,
       max(f.ended_at) as last_arrival
from bi_flight_airports f
where f.ended_at is not null
group by f.departure_airport, f.arrival_airport;

-- Departures (by start time) and arrivals (by end time) per airport and UTC hour.
create view bi_airport_traffic_hourly as
select m.airport,
       min(a.name) as airport_name,
       (date_trunc('hour', m.at at time zone 'UTC'))::date as day,
       extract(hour from m.at at time zone 'UTC')::int as hour,
       count(*) filter (where m.movement = 'departure') as departures,
       count(*) filter (where m.movement = 'arrival') as arrivals
from (
    select departure_airport as airport, started_at as at, 'departure' as movement
    from flight_sessions where departure_airport is not null
    union all
    select arrival_airport, ended_at, 'arrival'
    from flight_sessions where arrival_airport is not null
) m
left join airports a on a.ident = m.airport
group by m.airport, 3, 4;

-- Emergency squawk periods with the aircraft and flight.
create view bi_emergencies as
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
left join flight_sessions s on s.session_id = e.session_id;

-- The BI role reads the new views too (see 002 for why this is conditional).
do $$
begin
    if exists (select from pg_roles where rolname = 'flights_bi') then
        grant select on bi_flight_airports, bi_airport_pairs, bi_airport_traffic_hourly, bi_emergencies to flights_bi;
    end if;
end
$$;
