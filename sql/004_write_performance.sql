-- 004: storage settings for the smart write (issue 4), measured with `flights bench write` and per-statement
-- EXPLAIN (ANALYZE, BUFFERS) on 12,000 open sessions; the figures are in the commit message.

-- Every batch rewrites the route of every open session that gets a point (route || new points): JSONB has no
-- in-place append. Once a row passes the TOAST threshold (~2 kB, about 15 points) the whole route is
-- decompressed and compressed again on each rewrite; lz4 does both several times faster than the default
-- pglz (measured: the session update took ~40% less time at 20 and at 60 points). Readers see the same
-- JSONB value; stored routes switch to lz4 the next time they are rewritten.
alter table flight_sessions alter column route set compression lz4;

-- Every batch updates every aircraft it carries (last_seen is the watermark). At fillfactor 70 a page has
-- no room for a new version of each of its ~55 rows, so a third of the updates were not HOT (each one
-- inserts into both indexes); at 50 almost all are HOT. New pages use the setting at once; existing pages
-- gain the room as rows move on their next non-HOT update.
alter table dim_aircrafts set (fillfactor = 50);
