// WHY THIS FILE EXISTS
// Microsoft.Azure.Functions.Worker.Extensions.Kafka (and the WebJobs package it pulls in) cannot be
// restored in this project's offline build environment. Building with -p:KafkaExtensionStandIn=true
// compiles this file instead of referencing the package: a compile-only stand-in for the few public
// types the app uses, with the same namespace, names and members as the real 4.3.0 package.
//
// An app built with this file CANNOT bind Kafka triggers: it carries no ExtensionInformation, so the
// Functions host never loads the Kafka extension. It exists so that the code compiles and the declared
// binding contract (functions.metadata) can be checked offline. Never ship a build made with it;
// the container image and every normal build reference the real package (see Flights.Functions.csproj).
#pragma warning disable CA1019, CA1813, CA1819 // mirrors the real package's public surface as it is

using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

public enum BrokerAuthenticationMode { NotSet = -1, Gssapi, Plain, ScramSha256, ScramSha512, OAuthBearer }

public enum BrokerProtocol { NotSet = -1, Plaintext, Ssl, SaslPlaintext, SaslSsl }

public enum KafkaMessageKeyType { Int = 0, Long, String, Binary }

public enum KafkaTimestampType { NotAvailable = 0, CreateTime, LogAppendTime }

[BindingCapabilities(KnownBindingCapabilities.FunctionLevelRetry)]
public sealed class KafkaTriggerAttribute : TriggerBindingAttribute, ISupportCardinality
{
    public KafkaTriggerAttribute(string brokerList, string topic)
    {
        BrokerList = brokerList;
        Topic = topic;
    }

    public string Topic { get; }

    public string BrokerList { get; }

    public string? ConsumerGroup { get; set; }

    public long LagThreshold { get; set; } = 1000;

    public BrokerAuthenticationMode AuthenticationMode { get; set; } = BrokerAuthenticationMode.NotSet;

    public BrokerProtocol Protocol { get; set; } = BrokerProtocol.NotSet;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public KafkaMessageKeyType KeyDataType { get; set; } = KafkaMessageKeyType.String;

    public bool IsBatched { get; set; }

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}

public class KafkaRecord
{
    public string Topic { get; set; } = "";

    public int Partition { get; set; }

    public long Offset { get; set; }

    public byte[]? Key { get; set; }

    public byte[]? Value { get; set; }

    public KafkaTimestamp Timestamp { get; set; } = new();

    public KafkaHeader[] Headers { get; set; } = [];

    public int? LeaderEpoch { get; set; }
}

public sealed class KafkaTimestamp
{
    public long UnixTimestampMs { get; set; }

    public KafkaTimestampType Type { get; set; }
}

public sealed class KafkaHeader
{
    public string Key { get; set; } = "";

    public byte[]? Value { get; set; }
}
