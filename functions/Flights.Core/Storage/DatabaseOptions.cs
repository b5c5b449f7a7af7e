namespace Flights.Core.Storage;

/// <summary>
/// Database settings (section <c>Database</c>). Three connection strings, one per role:
/// <c>ConnectionStrings__Flights</c> (the processor, closer and fetch: rows only), <c>ConnectionStrings__FlightsOwner</c>
/// (the migrations; falls back to <c>Flights</c>) and <c>ConnectionStrings__FlightsReader</c> (<c>flights dashboard</c>;
/// falls back to <c>Flights</c>). The roles and their grants: sql/007_roles.sql.
/// </summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Database";

    /// <summary>Name of the connection string (<c>ConnectionStrings:Flights</c>).</summary>
    public const string ConnectionStringName = "Flights";

    /// <summary>Name of the owner's connection string (<c>ConnectionStrings:FlightsOwner</c>), used only to migrate.</summary>
    public const string OwnerConnectionStringName = "FlightsOwner";

    /// <summary>Name of the read-only connection string (<c>ConnectionStrings:FlightsReader</c>) of the dashboard.</summary>
    public const string ReaderConnectionStringName = "FlightsReader";

    /// <summary>Apply the migrations in sql/ when the host starts (under an advisory lock, so replicas may start together).</summary>
    public bool MigrateAtStart { get; set; } = true;
}
