-- 001: the warehouse's star schema.
-- Applied by the migration runner in Flights.Core (flights db migrate, or at start with
-- Database__MigrateAtStart=true). Files in sql/ run once each, in order; never edit an applied file,
-- add the next number instead.

-- Aircraft master data: one row per transponder address ever seen.
create table dim_aircrafts (
    aircraft_id     bigint generated always as identity primary key,
    transponder_hex text        not null,
    origin_country  text,
    last_callsign   text,
    category        smallint,
    first_seen      timestamptz not null,
    last_seen       timestamptz not null,
    -- Enrichment from the OpenSky aircraft database (flights aircraft import); null until imported.
    registration    text,
    manufacturer    text,
    model           text,
    type_code       text,
    operator        text,
    operator_icao   text,
    enriched_at     timestamptz,
    constraint dim_aircrafts_transponder_hex_format check (transponder_hex ~ '^[0-9a-f]{6}$')
) with (fillfactor = 70); -- every batch updates last_seen: leave room on the page so updates stay HOT

-- The processor finds (and upserts) aircraft by transponder address.
create unique index dim_aircrafts_transponder_hex on dim_aircrafts (transponder_hex);

-- The live view: the newest cleaned state of every aircraft currently tracked.
create table live_status (
    aircraft_id      bigint primary key references dim_aircrafts (aircraft_id),
    callsign         text,
    last_contact     timestamptz      not null, -- the state's own time: newer wins
    position_time    timestamptz,               -- time of the position below (kept from an older state when the newest had none)
    latitude         double precision,
    longitude        double precision,
    baro_altitude_m  double precision,
    geo_altitude_m   double precision,
    velocity_kmh     double precision,
    heading_deg      double precision,
    vertical_rate_ms double precision,
    on_ground        boolean          not null,
    squawk           text,
    position_source  smallint,
    snapshot_time    timestamptz      not null,
    constraint live_status_position_complete check ((latitude is null) = (longitude is null))
) with (fillfactor = 50); -- rewritten every batch; measured: at 50 every update is HOT and the heap stays small

-- One row per flight.
create table flight_sessions (
    session_id     bigint generated always as identity primary key,
    aircraft_id    bigint           not null references dim_aircrafts (aircraft_id),
    callsign       text,
    started_at     timestamptz      not null,
    ended_at       timestamptz,
    start_reason   text             not null,
    end_reason     text,
    last_signal_at timestamptz      not null,
    last_point_at  timestamptz,
    last_point_lat double precision,
    last_point_lon double precision,
    point_count    integer          not null default 0,
    state_count    integer          not null default 0,
    max_gap_s      integer          not null default 0,
    route          jsonb            not null default '[]'::jsonb,
    distance_km    double precision not null default 0,
    max_altitude_m double precision,
    -- Landing detection: the first on-ground state of the current ground run (touchdown) and its route
    -- point; null while airborne.
    ground_since   timestamptz,
    ground_point   jsonb,
    constraint flight_sessions_start_reason check (start_reason in ('first_seen_airborne', 'takeoff', 'first_seen_on_ground')),
    constraint flight_sessions_end_reason check (end_reason in ('signal_lost', 'landed')),
    constraint flight_sessions_ended_has_reason check ((ended_at is null) = (end_reason is null)),
    constraint flight_sessions_route_is_array check (jsonb_typeof(route) = 'array')
) with (fillfactor = 70); -- open sessions are updated on every state; room keeps the updates HOT

-- At most one open flight per aircraft, enforced by the database; also the processor's and the
-- closer's lookup of open sessions (by aircraft, and a scan of all open ones).
create unique index flight_sessions_one_open_per_aircraft on flight_sessions (aircraft_id) where ended_at is null;

-- An aircraft's flight history (dashboard, BI: flights of one aircraft, newest first).
create index flight_sessions_aircraft_started on flight_sessions (aircraft_id, started_at desc);

-- Flights by day/hour (BI views, dashboard's recent flights). started_at never changes, so this index
-- does not stop updates of open sessions from being HOT.
create index flight_sessions_started_at on flight_sessions (started_at);

-- Pipeline state: one row. The pipeline clock (newest snapshot time processed) is "now" for every
-- lifecycle rule; the fetch columns feed the health view.
create table pipeline_state (
    id                    boolean     primary key default true,
    pipeline_clock        timestamptz,
    last_fetch_at         timestamptz,
    last_fetch_result     text,
    last_fetch_states     integer,
    last_snapshot_time    timestamptz,
    credits_remaining     integer,
    next_fetch_at         timestamptz,
    constraint pipeline_state_single_row check (id)
);
insert into pipeline_state (id) values (true);
