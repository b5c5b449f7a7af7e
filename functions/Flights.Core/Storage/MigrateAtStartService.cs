using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flights.Core.Storage;

/// <summary>Applies the schema migrations when a host starts, if <see cref="DatabaseOptions.MigrateAtStart"/> is on.</summary>
internal sealed class MigrateAtStartService(MigrationRunner runner, IOptions<DatabaseOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateAtStart)
        {
            await runner.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
