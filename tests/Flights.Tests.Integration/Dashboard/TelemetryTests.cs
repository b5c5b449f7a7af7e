using Flights.Dashboard.Telemetry;
using Flights.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static Flights.Tests.Integration.Infrastructure.States;

namespace Flights.Tests.Integration.Dashboard;

public sealed class TelemetryTests
{
    [Fact]
    public async Task The_prometheus_endpoint_shows_the_health_gauges_from_the_warehouse()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync();
        await TestPipeline.For(db).ProcessAsync(At("aaa001", 0), At("bbb002", 0));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kafka:BootstrapServers"] = TestKafka.BootstrapServers;
        builder.Configuration["Kafka:Topic"] = TestKafka.CreateTopic("telemetry", 1);
        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddFlightsTelemetry(builder.Configuration);
        await using var app = builder.Build();
        app.MapFlightsPrometheus();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        // The refresher checks health at start; the scrape shows the figures of that check.
        string metrics;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(200);
            metrics = await http.GetStringAsync("/metrics");
        }
        while (!metrics.Contains("flights_flights_open", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        var lines = metrics.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("flights_aircraft_live{", StringComparison.Ordinal) && l.Split(' ')[1] == "2");
        Assert.Contains(lines, l => l.StartsWith("flights_flights_open{", StringComparison.Ordinal) && l.Split(' ')[1] == "2");
        Assert.Contains(lines, l => l.StartsWith("flights_kafka_consumer_lag{", StringComparison.Ordinal) && l.Split(' ')[1] == "0");
    }
}
