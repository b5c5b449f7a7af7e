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

    public static async Task<int> RunAsync(string connectionString, int aircraft, int batches, int stepSeconds, TextWriter output, CancellationToken cancellationToken)
    {
        var messages = Enumerable.Range(0, batches).Select(b => BuildBatch(aircraft, b, stepSeconds)).ToArray();
        await output.WriteLineAsync($"bench write: {batches} batches x {aircraft:N0} distinct aircraft, time step {stepSeconds} s (route point interval 300 s)");

        var batchMs = new List<double>();
        double smartSeconds;
        await using (var schema = await BenchSchema.CreateAsync(connectionString, cancellationToken))
        {
            var options = new SessionOptions();
            var processor = new StateBatchProcessor(new SmartWriter(schema.DataSource, new SessionRules(options)), new NoDeadLetters(), Options.Create(options), new PipelineMetrics(), NullLogger<StateBatchProcessor>.Instance);
            var total = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                var watch = Stopwatch.StartNew();
                var result = await processor.ProcessAsync(messages[b], cancellationToken);
                batchMs.Add(watch.Elapsed.TotalMilliseconds);
                await output.WriteLineAsync($"  smart write batch {b + 1,2}: {watch.Elapsed.TotalMilliseconds,7:0.0} ms, applied {result.Write.StatesApplied:N0}, points +{result.Write.PointsAppended:N0}, opened {result.Write.SessionsOpened:N0}");
            }

            smartSeconds = total.Elapsed.TotalSeconds;
            var routePoints = await schema.ScalarAsync("select sum(point_count) from flight_sessions");
            await output.WriteLineAsync($"  sessions hold {routePoints:N0} route points");
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
        };
        await output.WriteLineAsync(JsonSerializer.Serialize(figures));
        return 0;
    }

    private static IncomingMessage[] BuildBatch(int aircraft, int batch, int stepSeconds)
    {
        const long Start = 1_767_268_800;
        var time = Start + (long)batch * stepSeconds;
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

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await using var admin = NpgsqlDataSource.Create(serverConnectionString);
            await admin.CreateCommand($"drop schema if exists {schema} cascade").ExecuteNonQueryAsync();
        }
    }
}
