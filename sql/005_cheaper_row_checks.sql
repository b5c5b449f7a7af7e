-- 005: no CHECK that reads the route (issue 4).
-- PostgreSQL evaluates every CHECK constraint of a table on every UPDATE of a row, whichever columns change.
-- jsonb_typeof(route) detoasts and decompresses the whole route of every session row a batch touches:
-- measured with EXPLAIN (ANALYZE) on 12,000 open sessions of 15 points without a new point, the update took
-- 172 ms with the check and 90 ms without. The route is only ever written by the smart write, as '[]' or an
-- array || an array of new points, so the check guarded nothing the code can produce.
alter table flight_sessions drop constraint flight_sessions_route_is_array;

-- Open sessions are updated by every batch that carries their aircraft. At fillfactor 70 only ~30% of those
-- updates found room on their page (HOT); the rest inserted into all four indexes and the heap grew fourfold in
-- four batches. At 50 about half are HOT (measured on 12,000 sessions, four updates each).
alter table flight_sessions set (fillfactor = 50);
