using System.Net.Sockets;
using Npgsql;

namespace Flights.Cli.Hosting;

/// <summary>An error the user can act on: one line saying what failed and what to do, and an exit code.</summary>
public sealed class CliException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Exit codes of the <c>flights</c> command, documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Configuration = 2;
    public const int Database = 3;
    public const int Kafka = 4;
    public const int OpenSky = 5;
    public const int Input = 6;
    public const int PortInUse = 7;
    public const int Incomplete = 8;
}

/// <summary>Turns the failures a user can meet into one actionable line each; anything else stays an unexpected error.</summary>
public static class CliErrors
{
    public static (string Message, int ExitCode) Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case CliException cli:
                    return (cli.Message, cli.ExitCode);
                case PostgresException pg when pg.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification:
                    return ($"PostgreSQL refused the login ({pg.MessageText}): check the user and password in ConnectionStrings__Flights.", ExitCodes.Database);
                case PostgresException pg when pg.SqlState == PostgresErrorCodes.InvalidCatalogName:
                    return ($"PostgreSQL has no such database ({pg.MessageText}): create it or fix ConnectionStrings__Flights.", ExitCodes.Database);
                case NpgsqlException npg when npg is not PostgresException:
                    return ($"PostgreSQL is unreachable ({npg.InnerException?.Message ?? npg.Message}): start it with `./setup.sh db start` or fix ConnectionStrings__Flights.", ExitCodes.Database);
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } socket:
                    return ($"A port is already in use ({socket.Message}): stop the other process or choose another port (--urls).", ExitCodes.PortInUse);
                case IOException io when io.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return ($"A port is already in use ({io.Message}): stop the other process or choose another port (--urls).", ExitCodes.PortInUse);
                case Microsoft.Extensions.Options.OptionsValidationException options:
                    return ($"Invalid settings: {string.Join("; ", options.Failures)}", ExitCodes.Configuration);
                case InvalidOperationException invalid when invalid.Message.Contains("ConnectionStrings__Flights", StringComparison.Ordinal) || invalid.Message.Contains("Kafka__", StringComparison.Ordinal):
                    return (invalid.Message, ExitCodes.Configuration);
            }
        }

        return ($"Unexpected error: {exception.GetType().Name}: {exception.Message} (run with --verbose for details)", ExitCodes.Failure);
    }
}
