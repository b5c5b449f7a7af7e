using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Flights.Core.Kafka;

/// <summary>
/// A Kafka-protocol broker cluster for DEVELOPMENT AND TESTS ONLY: the mock cluster built into librdkafka
/// (the native library Confluent.Kafka already ships), reached through its exported <c>rd_kafka_mock_*</c>
/// functions. It listens on real loopback TCP ports, so ordinary producers, consumers and consumer groups
/// talk to it unchanged, but it keeps everything in memory and nothing survives <see cref="Dispose"/>.
/// The hosts use it only when <c>Kafka__BootstrapServers</c> is not set; never in production.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private const string LibraryName = "librdkafka";
    private static readonly object ResolverLock = new();
    private static bool resolverInstalled;

    private readonly Lock gate = new();
    private IntPtr client;
    private IntPtr cluster;

    private EmbeddedKafkaCluster(IntPtr client, IntPtr cluster, string bootstrapServers)
    {
        this.client = client;
        this.cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The <c>host:port</c> list clients connect to (loopback).</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers on free loopback ports.</summary>
    /// <exception cref="InvalidOperationException">The native library could not be loaded or the cluster could not start.</exception>
    public static EmbeddedKafkaCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        InstallResolver();

        var conf = NativeMethods.rd_kafka_conf_new();
        var error = new StringBuilder(512);
        // The mock cluster's own client handle logs broker chatter at debug levels; keep warnings and errors only.
        NativeMethods.rd_kafka_conf_set(conf, "log_level", "4", error, (UIntPtr)error.Capacity);
        var client = NativeMethods.rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, conf, error, (UIntPtr)error.Capacity);
        if (client == IntPtr.Zero)
        {
            throw new InvalidOperationException($"Could not create the librdkafka handle for the embedded Kafka: {error}");
        }

        var cluster = NativeMethods.rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            NativeMethods.rd_kafka_destroy(client);
            throw new InvalidOperationException("librdkafka could not start the embedded Kafka (mock cluster); are loopback ports available?");
        }

        var bootstraps = Marshal.PtrToStringUTF8(NativeMethods.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The embedded Kafka reported no bootstrap servers.");
        return new EmbeddedKafkaCluster(client, cluster, bootstraps);
    }

    /// <summary>
    /// Creates a topic. The mock cluster does not implement the Admin API's CreateTopics, so topics are
    /// created here rather than by an admin client.
    /// </summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
            var code = NativeMethods.rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor);
            if (code != 0)
            {
                throw new InvalidOperationException($"The embedded Kafka could not create topic '{name}' (librdkafka error {code}).");
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            if (cluster != IntPtr.Zero)
            {
                NativeMethods.rd_kafka_mock_cluster_destroy(cluster);
                cluster = IntPtr.Zero;
            }

            if (client != IntPtr.Zero)
            {
                NativeMethods.rd_kafka_destroy(client);
                client = IntPtr.Zero;
            }
        }
    }

    // Confluent.Kafka loads librdkafka from runtimes/<rid>/native by full path, so a plain DllImport would
    // not find it. Resolve the same files it tries; on Debian 12 the default build needs libsasl2.so.3,
    // which the distribution lacks, and the centos8 build from the same package is the one that loads.
    private static void InstallResolver()
    {
        lock (ResolverLock)
        {
            if (resolverInstalled)
            {
                return;
            }

            NativeLibrary.SetDllImportResolver(typeof(EmbeddedKafkaCluster).Assembly, Resolve);
            resolverInstalled = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in NativeLibraryCandidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            $"librdkafka (with its mock cluster) was not found next to the application in {AppContext.BaseDirectory}runtimes/. It ships with the Confluent.Kafka package (librdkafka.redist).");
    }

    private static IEnumerable<string> NativeLibraryCandidates()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var baseDir = AppContext.BaseDirectory;
        string os;
        string[] names;
        if (OperatingSystem.IsWindows())
        {
            (os, names) = ("win", ["librdkafka.dll"]);
        }
        else if (OperatingSystem.IsMacOS())
        {
            (os, names) = ("osx", ["librdkafka.dylib"]);
        }
        else
        {
            (os, names) = ("linux", ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"]);
        }

        foreach (var name in names)
        {
            yield return Path.Combine(baseDir, "runtimes", $"{os}-{arch}", "native", name);
            yield return Path.Combine(baseDir, name);
        }
    }

#pragma warning disable SYSLIB1054, CA5392 // plain DllImport: the resolver above decides which file backs it
    private static class NativeMethods
    {
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_cluster_destroy(IntPtr mcluster);
    }
#pragma warning restore SYSLIB1054, CA5392
}
