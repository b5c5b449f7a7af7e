-- 003: the OpenSky aircraft database, imported by `flights aircraft import <csv>`.
-- The import keeps every row of the file here and also fills the enrichment columns of dim_aircrafts
-- for aircraft already seen. Aircraft first seen after an import get their attributes through
-- bi_aircraft's join, so no re-import is needed and the write path (which upserts every aircraft on
-- every batch) carries no extra lookup or trigger.
create table aircraft_registry (
    transponder_hex text        primary key,
    registration    text,
    manufacturer    text,
    model           text,
    type_code       text,
    operator        text,
    operator_icao   text,
    imported_at     timestamptz not null,
    constraint aircraft_registry_transponder_hex_format check (transponder_hex ~ '^[0-9a-f]{6}$')
);

-- Same columns as in 002; the enrichment now falls back to the registry. create or replace keeps the
-- grants and the views built on this one.
create or replace view bi_aircraft as
select d.aircraft_id,
       d.transponder_hex as icao24,
       d.origin_country,
       d.last_callsign,
       d.category,
       d.first_seen,
       d.last_seen,
       coalesce(d.registration, r.registration) as registration,
       coalesce(d.manufacturer, r.manufacturer) as manufacturer,
       coalesce(d.model, r.model) as model,
       coalesce(d.type_code, r.type_code) as type_code,
       coalesce(d.operator, r.operator) as operator,
       coalesce(d.operator_icao, r.operator_icao) as operator_icao
from dim_aircrafts d
left join aircraft_registry r on r.transponder_hex = d.transponder_hex;
