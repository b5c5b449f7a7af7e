-- Least privilege. The role that runs the migrations owns every table (the owner: `flights` in the local
-- cluster and in argocd/postgres). Two more roles get only what their programs need:
--   flights_writer  the processor, closer and fetch: read and write rows, never change the schema;
--   flights_reader  the dashboard: SELECT only (BI tools have flights_bi, SELECT on the bi_* views: 002).
-- Roles belong to the whole server, so this file creates them (NOLOGIN) when they do not exist yet and the
-- owner may create roles; whoever gives them a login and password (./setup.sh db start locally, the
-- postgres-roles Job in the cluster) does so separately. Where the roles can neither be found nor created,
-- the grants are skipped with a notice: the app then runs with the owner's rights, as before this file.
-- Grants name the schema this migration runs in (the search path's first schema), so every schema
-- migrated by the app gets the same rights.
do $$
declare
    role_name text;
    may_create boolean := (select rolsuper or rolcreaterole from pg_roles where rolname = current_user);
begin
    foreach role_name in array array['flights_writer', 'flights_reader'] loop
        if not exists (select from pg_roles where rolname = role_name) then
            if may_create then
                begin
                    execute format('create role %I nologin', role_name);
                exception when duplicate_object or unique_violation then
                    null; -- another database of this server created it at the same moment
                end;
            else
                raise notice 'role % does not exist and % may not create it: its grants are skipped', role_name, current_user;
                continue;
            end if;
        end if;

        execute format('grant usage on schema %I to %I', current_schema(), role_name);
        -- Reading is what both roles do; the views (bi_*) run with the owner's rights over the tables.
        execute format('grant select on all tables in schema %I to %I', current_schema(), role_name);
        execute format('alter default privileges in schema %I grant select on tables to %I', current_schema(), role_name);
    end loop;

    if exists (select from pg_roles where rolname = 'flights_writer') then
        -- The rows the pipeline writes; schema_migrations stays the owner's.
        execute format('grant insert, update, delete on %I.dim_aircrafts, %I.live_status, %I.flight_sessions, %I.pipeline_state, %I.partition_clocks, %I.aircraft_registry to flights_writer',
            current_schema(), current_schema(), current_schema(), current_schema(), current_schema(), current_schema());
        execute format('grant usage, select on all sequences in schema %I to flights_writer', current_schema());
        -- Tables added by later migrations are the pipeline's to write unless a migration revokes it.
        execute format('alter default privileges in schema %I grant insert, update, delete on tables to flights_writer', current_schema());
        execute format('alter default privileges in schema %I grant usage, select on sequences to flights_writer', current_schema());
    end if;
end
$$;
