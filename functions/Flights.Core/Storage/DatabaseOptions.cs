namespace Flights.Core.Storage;

/// <summary>Database settings (section <c>Database</c>); the connection string is <c>ConnectionStrings__Flights</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Database";

    /// <summary>Name of the connection string (<c>ConnectionStrings:Flights</c>).</summary>
    public const string ConnectionStringName = "Flights";

    /// <summary>Apply the migrations in sql/ when the host starts (under an advisory lock, so replicas may start together).</summary>
    public bool MigrateAtStart { get; set; } = true;
}
