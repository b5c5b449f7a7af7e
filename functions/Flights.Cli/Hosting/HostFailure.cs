using Confluent.Kafka;
using Flights.Core.Kafka;
using Microsoft.Extensions.Hosting;

namespace Flights.Cli.Hosting;

/// <summary>
/// The first failure that must stop a running host (a fatal Kafka client error, a batch that can neither be
/// written nor dead-lettered). Reporting one stops the host; the command then ends with its one line and a
/// non-zero exit code instead of the 0 of a requested stop.
/// </summary>
public sealed class HostFailure(IHostApplicationLifetime lifetime) : IKafkaFatalErrorSink
{
    private CliException? failure;

    /// <summary>The failure reported, if any.</summary>
    public CliException? Failure => Volatile.Read(ref failure);

    /// <summary>Records the failure (the first one wins) and stops the host.</summary>
    public void Fail(string message, int exitCode)
    {
        Interlocked.CompareExchange(ref failure, new CliException(message, exitCode), null);
        lifetime.StopApplication();
    }

    /// <inheritdoc />
    public void Report(string client, Error error) =>
        Fail($"{client} failed fatally ({error.Code}: {error.Reason}); check the Kafka settings (Kafka__BootstrapServers, Kafka__Client__*) and the cluster.", ExitCodes.Kafka);

    /// <summary>Throws the reported failure, for a command to end with it after the host stopped.</summary>
    public void ThrowIfFailed()
    {
        if (Failure is { } reported)
        {
            throw reported;
        }
    }
}
