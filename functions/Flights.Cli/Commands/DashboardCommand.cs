using System.CommandLine;
using Flights.Cli.Hosting;
using Flights.Cli.Pipeline;
using Flights.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flights.Cli.Commands;

/// <summary>`flights dashboard`: only the read-only dashboard over the configured database (the cluster's dashboard Deployment runs this).</summary>
public static class DashboardCommand
{
    public static Command Create(TextWriter output)
    {
        var urls = new Option<string>("--urls") { Description = "Where the dashboard listens", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("dashboard", "Serve the live map, flights pages, /api/health and /metrics over the configured database") { urls };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CliHost.CreateAsync(new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose), Web: true), output, cancellationToken);
            UseReaderRole(host.Builder.Configuration);
            host.AddDashboard();
            ((Microsoft.AspNetCore.Builder.WebApplicationBuilder)host.Builder).WebHost.UseUrls(parseResult.GetValue(urls)!);
            using var app = host.Build();
            app.MapDashboard();
            await app.StartAsync(cancellationToken);
            await output.WriteLineAsync($"Dashboard: {parseResult.GetValue(urls)}  (Ctrl+C to stop)");
            await app.WaitForShutdownAsync(cancellationToken);
            app.Services.GetRequiredService<HostFailure>().ThrowIfFailed();
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The dashboard only reads: it connects with the read-only role (ConnectionStrings__FlightsReader, else
    /// ConnectionStrings__Flights) and never migrates, so a dashboard can never change the schema or the data.
    /// </summary>
    private static void UseReaderRole(Microsoft.Extensions.Configuration.IConfigurationManager configuration)
    {
        var settings = new Dictionary<string, string?> { [$"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.MigrateAtStart)}"] = "false" };
        var reader = configuration.GetConnectionString(DatabaseOptions.ReaderConnectionStringName);
        if (!string.IsNullOrWhiteSpace(reader))
        {
            settings[$"ConnectionStrings:{DatabaseOptions.ConnectionStringName}"] = reader;
        }

        configuration.AddInMemoryCollection(settings);
    }
}
