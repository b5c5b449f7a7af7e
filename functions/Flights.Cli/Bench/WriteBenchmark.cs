using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Flights.Core;
using Flights.Core.Kafka;
using Flights.Core.Monitoring;
using Flights.Core.OpenSky;
using Flights.Core.Processing;
using Flights.Core.Sessions;
using Flights.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flights.Cli.Bench;

/// <summary>
/// `flights bench write`: batches of distinct aircraft with advancing time through the real processor
/// (decode, clean, smart write: Logic A and B), and the same states through a per-row baseline (one
/// live_status upsert statement per state, one transaction per batch). Each run gets a fresh schema in the
/// configured database, dropped afterwards. Prints figures; the last line is one JSON object.
/// </summary>
public static class WriteBenchmark
{
    private const string BaselineUpsert = """
        insert into live_status (aircraft_id, callsign, last_contact, position_time, latitude, longitude, baro_altitude_m,
            geo_altitude_m, velocity_kmh, heading_deg, vertical_rate_ms, on_ground, squawk, position_source, snapshot_time)
        values (@AircraftId, @Callsign, @LastContact, @PositionTime, @Latitude, @Longitude, @Baro, @Geo, @Velocity, @Heading, @VerticalRate, @OnGround, @Squawk, @Source, @SnapshotTime)
        on conflict (aircraft_id) do update
        set callsign = excluded.callsign, last_contact = excluded.last_contact, position_time = excluded.position_time,
            latitude = excluded.latitude, longitude = excluded.longitude, baro_altitude_m = excluded.baro_altitude_m,
            geo_altitude_m = excluded.geo_altitude_m, velocity_kmh = excluded.velocity_kmh, heading_deg = excluded.heading_deg,
            vertical_rate_ms = excluded.vertical_rate_ms, on_ground = excluded.on_ground, squawk = excluded.squawk,
            position_source = excluded.position_source, snapshot_time = excluded.snapshot_time
        where excluded.last_contact > live_status.last_contact
        """;

    // The first batch's time, 2026-01-01; the history (--history) ends before it.
    private const long RunStart = 1_767_268_800;

    /// <summary>Runs the benchmark with the writer's default number of connections per batch.</summary>
    public static Task<int> RunAsync(string connectionString, int aircraft, int batches, int stepSeconds, int historyFlights, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(connectionString, aircraft, batches, stepSeconds, historyFlights, SmartWriter.DefaultWriters, output, cancellationToken);

    /// <summary>Runs the benchmark; <paramref name="writers"/> connections write each large batch together.</summary>
    public static async Task<int> RunAsync(string connectionString, int aircraft, int batches, int stepSeconds, int historyFlights, int writers, TextWriter output, CancellationToken cancellationToken)
    {
        var messages = Enumerable.Range(0, batches).Select(b => BuildBatch(aircraft, b, stepSeconds)).ToArray();
        await output.WriteLineAsync($"bench write: {batches} batches x {aircraft:N0} distinct aircraft, time step {stepSeconds} s (route point interval 300 s), {historyFlights:N0} ended flights before the run");

        var batchMs = new List<double>();
        double smartSeconds;
        await using (var schema = await BenchSchema.CreateAsync(connectionString, cancellationToken))
        {
            if (historyFlights > 0)
            {
                var watch = Stopwatch.StartNew();
                await schema.CreateHistoryAsync(historyFlights, cancellationToken);
                await output.WriteLineAsync($"  history of {historyFlights:N0} ended flights written in {watch.Elapsed.TotalSeconds:0.0} s");
            }

            // A catalogue the size of the medium and large airports (5,184 on a 2.5 x 5 degree grid), so the first
            // batch's 12,000 departures are looked up as in operation.
            await AirportsTable.LoadAsync(schema.DataSource, BenchAirports(), cancellationToken);
            var options = new SessionOptions();
            var processor = new StateBatchProcessor(new SmartWriter(schema.DataSource, new SessionRules(options), writers: writers), new NoDeadLetters(), Options.Create(options), new PipelineMetrics(), NullLogger<StateBatchProcessor>.Instance);
            var total = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                var watch = Stopwatch.StartNew();
                var result = await processor.ProcessAsync(messages[b], cancellationToken);
                batchMs.Add(watch.Elapsed.TotalMilliseconds);
                await output.WriteLineAsync($"  smart write batch {b + 1,2}: {watch.Elapsed.TotalMilliseconds,7:0.0} ms, applied {result.Write.StatesApplied:N0}, points +{result.Write.PointsAppended:N0}, opened {result.Write.SessionsOpened:N0}");
            }

            smartSeconds = total.Elapsed.TotalSeconds;
            var routePoints = await schema.ScalarAsync($"select coalesce(sum(point_count), 0) from flight_sessions_current where started_at >= to_timestamp({RunStart})");
            var endedFlights = await schema.ScalarAsync("select count(*) from flight_sessions where ended_at is not null");
            await output.WriteLineAsync($"  sessions of this run hold {routePoints:N0} route points; the warehouse holds {endedFlights:N0} ended flights");
        }

        double baselineSeconds;
        await using (var schema = await BenchSchema.CreateAsync(connectionString, cancellationToken))
        {
            var ids = await schema.CreateAircraftAsync(aircraft, cancellationToken);
            var total = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                var watch = Stopwatch.StartNew();
                await using var connection = await schema.DataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                foreach (var message in messages[b])
                {
                    StateMessage.TryRead(message.Value, out var envelope, out _);
                    StateCleaner.TryClean(envelope, TimeSpan.FromSeconds(30), out var s);
                    await connection.ExecuteAsync(new CommandDefinition(BaselineUpsert, new
                    {
                        AircraftId = ids[s.Icao24], s.Callsign, LastContact = UnixTime.ToUtc(s.LastContact), PositionTime = UnixTime.ToUtc(s.PositionTime),
                        s.Latitude, s.Longitude, Baro = s.BaroAltitudeM, Geo = s.GeoAltitudeM, Velocity = s.VelocityKmh, Heading = s.HeadingDeg,
                        VerticalRate = s.VerticalRateMs, s.OnGround, s.Squawk, Source = s.PositionSource, SnapshotTime = UnixTime.ToUtc(s.SnapshotTime),
                    }, transaction, cancellationToken: cancellationToken));
                }

                await transaction.CommitAsync(cancellationToken);
                await output.WriteLineAsync($"  baseline batch {b + 1,2}: {watch.Elapsed.TotalMilliseconds,7:0.0} ms");
            }

            baselineSeconds = total.Elapsed.TotalSeconds;
        }

        var states = (double)aircraft * batches;
        batchMs.Sort();
        var figures = new
        {
            states_per_s = Math.Round(states / smartSeconds),
            ms_per_batch_p50 = Math.Round(batchMs[batchMs.Count / 2], 1),
            ms_per_batch_max = Math.Round(batchMs[^1], 1),
            baseline_states_per_s = Math.Round(states / baselineSeconds),
            ratio = Math.Round(baselineSeconds / smartSeconds, 2),
            aircraft,
            batches,
            step_seconds = stepSeconds,
            history_flights = historyFlights,
        };
        await output.WriteLineAsync(JsonSerializer.Serialize(figures));
        return 0;
    }

    private static IEnumerable<AirportRow> BenchAirports()
    {
        for (var lat = -88.75; lat < 90; lat += 2.5)
        {
            for (var lon = -177.5; lon < 180; lon += 5)
            {
                yield return new AirportRow(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"B{lat:+00.00;-00.00}{lon:+000.0;-000.0}"), "large_airport", "Bench", lat, lon, 0);
            }
        }
    }

    private static IncomingMessage[] BuildBatch(int aircraft, int batch, int stepSeconds)
    {
        var time = RunStart + (long)batch * stepSeconds;
        var messages = new IncomingMessage[aircraft];
        for (var i = 0; i < aircraft; i++)
        {
            var icao24 = (0x100000 + i).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
            // Spread aircraft over the globe; each moves a little every batch.
            var lat = -60 + (i % 120) + batch * 0.05;
            var lon = -170 + (i / 120 % 340) + batch * 0.05;
            var state = new StateVector(icao24, $"BCH{i % 10000:0000}", "Testland", time - 1, time, lon, lat, 10_000 + i % 500, false, 230, 45, 0, 10_100, "1000", false, 0, null);
            messages[i] = new IncomingMessage("flight_raw_data", i % 6, batch * (long)aircraft + i, null, StateMessage.Serialize(state, time));
        }

        return messages;
    }

    private sealed class NoDeadLetters : IDeadLetterSink
    {
        public Task SendAsync(IReadOnlyList<(IncomingMessage Message, string Error)> messages, CancellationToken cancellationToken) =>
            messages.Count == 0 ? Task.CompletedTask : throw new InvalidOperationException("the benchmark produced an invalid message");
    }

    private sealed class BenchSchema : IAsyncDisposable
    {
        private readonly string serverConnectionString;
        private readonly string schema;

        private BenchSchema(string serverConnectionString, string schema, NpgsqlDataSource dataSource)
        {
            this.serverConnectionString = serverConnectionString;
            this.schema = schema;
            DataSource = dataSource;
        }

        public NpgsqlDataSource DataSource { get; }

        public static async Task<BenchSchema> CreateAsync(string connectionString, CancellationToken cancellationToken)
        {
            var schema = $"bench_{Guid.NewGuid():N}"[..22];
            await using (var admin = NpgsqlDataSource.Create(connectionString))
            {
                await admin.CreateCommand($"create schema {schema}").ExecuteNonQueryAsync(cancellationToken);
            }

            var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema };
            var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(cancellationToken);
            return new BenchSchema(connectionString, schema, dataSource);
        }

        public async Task<long> ScalarAsync(string sql)
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(sql);
        }

        public async Task<Dictionary<string, long>> CreateAircraftAsync(int aircraft, CancellationToken cancellationToken)
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
            var rows = await connection.QueryAsync<(string Hex, long Id)>(new CommandDefinition("""
                insert into dim_aircrafts (transponder_hex, first_seen, last_seen)
                select to_hex(1048576 + i), now(), now() from generate_series(0, @n - 1) i
                returning transponder_hex, aircraft_id
                """, new { n = aircraft }, cancellationToken: cancellationToken));
            return rows.ToDictionary(r => r.Hex, r => r.Id);
        }

        // Ended flights of aircraft the batches never carry (four flights each, 12 route points, inline like
        // most real routes), then ANALYZE as autovacuum would: the write's plans must not scan this history.
        public async Task CreateHistoryAsync(int flights, CancellationToken cancellationToken)
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("""
                insert into dim_aircrafts (transponder_hex, first_seen, last_seen)
                select to_hex(2097152 + i), timestamptz '2025-11-01Z', timestamptz '2025-12-01Z'
                from generate_series(0, (@flights + 3) / 4 - 1) i;

                insert into flight_sessions (aircraft_id, callsign, started_at, start_reason, last_signal_at, ended_at, end_reason,
                    last_point_at, last_point_lat, last_point_lon, point_count, state_count, route)
                select d.aircraft_id, 'HIST' || f, t.start, 'first_seen_airborne', t.start + interval '55 minutes',
                       t.start + interval '55 minutes', 'signal_lost', t.start + interval '55 minutes', 50, 8, 12, 360,
                       (select jsonb_agg(jsonb_build_object('t', to_char((t.start + p * interval '5 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'lat', 50 + p * 0.1, 'lon', 8 + p * 0.1,
                               'alt_m', 10000, 'speed_kmh', 830.5, 'heading', 91.25, 'vrate_ms', 0, 'on_ground', false))
                        from generate_series(0, 11) p)
                from dim_aircrafts d
                cross join generate_series(0, 3) f
                cross join lateral (select timestamptz '2025-11-01Z' + (d.aircraft_id % 1000 + f * 1000) * interval '10 minutes' as start) t
                limit @flights;

                analyze dim_aircrafts, flight_sessions;
                """, new { flights }, commandTimeout: 0, cancellationToken: cancellationToken));
        }

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await using var admin = NpgsqlDataSource.Create(serverConnectionString);
            await admin.CreateCommand($"drop schema if exists {schema} cascade").ExecuteNonQueryAsync();
        }
    }
}
