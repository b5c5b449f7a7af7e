using System.Text;
using Confluent.Kafka;
using Dapper;
using Flights.Core.Kafka;
using Flights.Core.Processing;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Processing;

public sealed class FailureTests
{
    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letter_topic_with_its_error_and_the_rest_of_the_batch_is_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var dlq = TestKafka.CreateTopic("dlq", partitions: 1);
        var options = Options.Create(new KafkaOptions { BootstrapServers = TestKafka.BootstrapServers, DeadLetterTopic = dlq });
        using var producer = new KafkaProducer(options, new ConfigurationBuilder().Build(), NullLogger<KafkaProducer>.Instance);
        var pipeline = TestPipeline.For(db, deadLetters: new KafkaDeadLetterSink(producer, options));
        var poison = new IncomingMessage("flight_raw_data", 2, 77, Encoding.UTF8.GetBytes("abc999"), Encoding.UTF8.GetBytes("{\"v\":1,\"snapshot_time\":\"soon\"}"));

        var result = await pipeline.ProcessAsync(At("abc123", 0), poison, At("def456", 0));

        Assert.Equal(1, result.DeadLettered);
        Assert.Equal(2, result.Write.StatesApplied);
        Assert.Equal(2L, await pipeline.ScalarAsync<long>("select count(*) from live_status"));
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = TestKafka.BootstrapServers, GroupId = Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe(dlq);
        ConsumeResult<string, string>? dead = null;
        for (var attempt = 0; attempt < 60 && dead is null; attempt++)
        {
            dead = consumer.Consume(TimeSpan.FromMilliseconds(500));
        }

        Assert.NotNull(dead);
        Assert.Equal("abc999", dead.Message.Key);
        Assert.Equal("{\"v\":1,\"snapshot_time\":\"soon\"}", dead.Message.Value);
        Assert.Equal("field snapshot_time: expected an integer, got String at byte 23", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(KafkaDeadLetterSink.ErrorHeader)));
        Assert.Equal("77", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes("source_offset")));
        consumer.Close();
    }

    [Fact]
    public async Task A_database_lost_in_the_middle_of_a_batch_raises_and_leaves_nothing_half_written()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        var pipeline = TestPipeline.For(db);
        await pipeline.ProcessAsync(At("abc123", 0));
        var before = await pipeline.DumpAsync();

        // Hold live_status so the batch stops at its last statement, after it has updated the aircraft and
        // the sessions, then cut the writer's connection as a server crash would.
        await using var blocker = await db.DataSource.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("lock table live_status in exclusive mode", transaction: blocking);
        var batch = pipeline.ProcessAsync(At("abc123", 6), At("def456", 6));
        await using var admin = TestPostgres.Admin();
        await using (var monitor = await admin.OpenConnectionAsync())
        {
            var waiting = 0;
            for (var attempt = 0; attempt < 200 && waiting == 0; attempt++)
            {
                await Task.Delay(50);
                waiting = await monitor.ExecuteScalarAsync<int>("select count(*) from pg_stat_activity where application_name = @app and wait_event_type = 'Lock'", new { app = db.Schema });
            }

            Assert.Equal(1, waiting);
            await monitor.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where application_name = @app and wait_event_type = 'Lock'", new { app = db.Schema });
        }

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => batch);
        await blocking.RollbackAsync();
        Assert.Equal(before, await pipeline.DumpAsync());

        // The retry (as the function's retry policy or the local consumer does) writes the batch in full.
        var retried = await pipeline.ProcessAsync(At("abc123", 6), At("def456", 6));
        Assert.Equal(2, retried.Write.StatesApplied);
        Assert.Equal([Time(0), Time(6)], (await pipeline.SessionsAsync("abc123"))[0].PointTimes);
    }
}
