using System.Net.Sockets;
using Confluent.Kafka;
using Flights.Core.Processing;
using Npgsql;

namespace Flights.Tests.Unit.Processing;

public sealed class TransientFailuresTests
{
    private static PostgresException Server(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    [InlineData(PostgresErrorCodes.ConnectionFailure)]
    [InlineData(PostgresErrorCodes.AdminShutdown)]
    [InlineData(PostgresErrorCodes.CannotConnectNow)]
    [InlineData(PostgresErrorCodes.TooManyConnections)]
    [InlineData(PostgresErrorCodes.LockNotAvailable)]
    [InlineData(PostgresErrorCodes.UndefinedTable)]
    public void Server_errors_that_say_nothing_about_the_data_are_transient(string sqlState) =>
        Assert.True(TransientFailures.IsTransient(Server(sqlState)));

    [Theory]
    [InlineData(PostgresErrorCodes.CharacterNotInRepertoire)]
    [InlineData(PostgresErrorCodes.DatetimeFieldOverflow)]
    [InlineData(PostgresErrorCodes.NumericValueOutOfRange)]
    [InlineData(PostgresErrorCodes.CheckViolation)]
    [InlineData(PostgresErrorCodes.NotNullViolation)]
    public void Server_errors_caused_by_the_data_are_not_transient(string sqlState) =>
        Assert.False(TransientFailures.IsTransient(Server(sqlState)));

    [Fact]
    public void An_unreachable_database_is_transient() =>
        Assert.True(TransientFailures.IsTransient(new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused))));

    [Fact]
    public void A_non_fatal_Kafka_error_is_transient_and_a_fatal_one_is_not()
    {
        Assert.True(TransientFailures.IsTransient(new KafkaException(new Error(ErrorCode.Local_TimedOut, "timed out"))));
        Assert.False(TransientFailures.IsTransient(new KafkaException(new Error(ErrorCode.Local_Fatal, "fenced", isFatal: true))));
    }

    [Fact]
    public void Client_side_conversion_errors_are_properties_of_the_data() =>
        Assert.False(TransientFailures.IsTransient(new ArgumentOutOfRangeException("value", "The added or subtracted value results in an un-representable DateTime.")));
}
