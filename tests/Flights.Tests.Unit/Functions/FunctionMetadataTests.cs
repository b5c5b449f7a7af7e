using System.Text.Json;

namespace Flights.Tests.Unit.Functions;

/// <summary>
/// The functions' declared contract, read from the functions.metadata the Worker SDK generates at build:
/// checked here because no Functions host runs in this environment.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly JsonElement[] Functions = Load();

    private static JsonElement Binding(string function) =>
        Functions.Single(f => f.GetProperty("name").GetString() == function).GetProperty("bindings").EnumerateArray().Single();

    [Fact]
    public void The_app_declares_exactly_the_pipeline_functions() =>
        Assert.Equal(["CloseStaleFlights", "FetchStates", "Health", "ProcessStates"], Functions.Select(f => f.GetProperty("name").GetString()!).Order());

    [Fact]
    public void Health_is_an_anonymous_get_on_api_health()
    {
        var trigger = Functions.Single(f => f.GetProperty("name").GetString() == "Health").GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal("health", trigger.GetProperty("route").GetString());
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void ProcessStates_is_a_batched_kafka_trigger_on_the_configured_topic_and_group()
    {
        var binding = Binding("ProcessStates");

        Assert.Equal("kafkaTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("In", binding.GetProperty("direction").GetString());
        Assert.Equal("%Kafka:Topic%", binding.GetProperty("topic").GetString());
        Assert.Equal("%Kafka:BootstrapServers%", binding.GetProperty("brokerList").GetString());
        Assert.Equal("%Kafka:ConsumerGroup%", binding.GetProperty("consumerGroup").GetString());
        Assert.Equal("Many", binding.GetProperty("cardinality").GetString());
    }

    [Fact]
    public void ProcessStates_retries_failed_batches_with_exponential_backoff_forever()
    {
        var retry = Functions.Single(f => f.GetProperty("name").GetString() == "ProcessStates").GetProperty("retry");

        Assert.Equal("exponentialBackoff", retry.GetProperty("strategy").GetString());
        Assert.Equal(-1, retry.GetProperty("maxRetryCount").GetInt32());
    }

    [Theory]
    [InlineData("FetchStates", "%OpenSky:Schedule%")]
    [InlineData("CloseStaleFlights", "%Sessions:CloseSchedule%")]
    public void Timers_take_their_schedule_from_settings(string function, string schedule)
    {
        var binding = Binding(function);

        Assert.Equal("timerTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(schedule, binding.GetProperty("schedule").GetString());
    }

    private static JsonElement[] Load()
    {
        // The test assembly sits in tests/Flights.Tests.Unit/bin/<Configuration>/<tfm>/; the app in functions/Flights.Functions/bin/<Configuration>/<tfm>/.
        var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = testDir.Name;
        var configuration = testDir.Parent!.Name;
        var path = Path.Combine(RepositoryRoot.Path, "functions", "Flights.Functions", "bin", configuration, tfm, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata not found at {path}: build functions/Flights.Functions first");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }
}
