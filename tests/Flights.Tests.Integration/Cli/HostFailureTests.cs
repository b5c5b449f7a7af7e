using Confluent.Kafka;
using Flights.Cli.Hosting;
using Microsoft.Extensions.Hosting;

namespace Flights.Tests.Integration.Cli;

public sealed class HostFailureTests
{
    [Fact]
    public void A_fatal_Kafka_error_stops_the_host_and_the_command_ends_with_one_line_and_exit_code_4()
    {
        var lifetime = new Lifetime();
        var failure = new HostFailure(lifetime);

        failure.Report("Kafka producer", new Error(ErrorCode.Local_Fatal, "fenced by a newer producer", isFatal: true));
        failure.Report("Kafka consumer", new Error(ErrorCode.Local_Fatal, "a second failure", isFatal: true));

        Assert.True(lifetime.StopRequested);
        var (message, exitCode) = CliErrors.Describe(Assert.Throws<CliException>(failure.ThrowIfFailed));
        Assert.Equal(("Kafka producer failed fatally (Local_Fatal: fenced by a newer producer); check the Kafka settings (Kafka__BootstrapServers, Kafka__Client__*) and the cluster.", 4), (message, exitCode));
    }

    [Fact]
    public void A_host_stopped_on_request_reports_no_failure() =>
        new HostFailure(new Lifetime()).ThrowIfFailed();

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => StopRequested = true;
    }
}
