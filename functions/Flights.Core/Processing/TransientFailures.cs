using System.Net.Sockets;
using Confluent.Kafka;
using Npgsql;

namespace Flights.Core.Processing;

/// <summary>
/// Which failures are worth retrying with backoff: those that say nothing about the data and pass by
/// themselves (the database unreachable or restarting, a serialization or deadlock conflict, Kafka's
/// transient errors). Anything else that a batch raises is a property of its data: retrying it changes
/// nothing, so the processor isolates the message(s) responsible and dead-letters them.
/// </summary>
public static class TransientFailures
{
    /// <summary>True when <paramref name="exception"/> is an outage or a conflict, not a property of the data.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return IsTransientSqlState(pg.SqlState) || pg.IsTransient;
                case NpgsqlException:
                    // No server error: the connection could not be opened or broke (IOException, SocketException, timeout).
                    return true;
                case KafkaException kafka:
                    return !kafka.Error.IsFatal;
                case TimeoutException or SocketException or IOException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// SQLSTATEs that say the server, not the data, is the problem: connection exceptions (08), serialization
    /// failure and deadlock (40001, 40P01), insufficient resources (53), operator intervention such as a
    /// shutdown or restart (57P01-57P05), system errors (58), lock not available (55P03). Also the schema or
    /// login being wrong (42P01 and friends, 28, 3D): data-independent, so dead-lettering would only empty the
    /// topic into the dead-letter topic while a person fixes the setup.
    /// </summary>
    public static bool IsTransientSqlState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState.StartsWith("57P", StringComparison.Ordinal)
        || sqlState.StartsWith("58", StringComparison.Ordinal)
        || sqlState.StartsWith("28", StringComparison.Ordinal)
        || sqlState.StartsWith("3D", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InsufficientPrivilege;
}
