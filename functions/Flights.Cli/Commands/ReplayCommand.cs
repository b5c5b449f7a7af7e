using System.CommandLine;
using System.Globalization;
using Flights.Cli.Hosting;
using Flights.Cli.Replay;

namespace Flights.Cli.Commands;

/// <summary>`flights replay &lt;path&gt; [--speed N|max]`: recorded OpenSky responses through the whole pipeline.</summary>
public static class ReplayCommand
{
    public static Command Create(TextWriter output)
    {
        var path = new Argument<string>("path") { Description = "A recorded /api/states/all response (.json, .json.gz), a folder of them, or a .zip of them" };
        var speed = new Option<string>("--speed") { Description = "N times faster than recorded, or max", DefaultValueFactory = _ => "max" };
        var publishOnly = new Option<bool>("--publish-only") { Description = "Only publish to the Kafka given by Kafka__BootstrapServers (e.g. to build a backlog for the cluster's processors); no database, no consumer" };
        var command = new Command("replay", "Feed recorded OpenSky responses through the pipeline (Kafka, smart write, lifecycle) and print a summary") { path, speed, publishOnly };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var speedText = parseResult.GetValue(speed)!;
            double? factor = null;
            if (!string.Equals(speedText, "max", StringComparison.OrdinalIgnoreCase))
            {
                if (!double.TryParse(speedText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
                {
                    throw new CliException($"--speed takes a positive number or max, not '{speedText}'", ExitCodes.Configuration);
                }

                factor = value;
            }

            var summary = await ReplayRunner.RunAsync(parseResult.GetValue(path)!, factor, parseResult.GetValue(publishOnly), new CliHostOptions(parseResult.GetValue(FlightsCommandLine.Verbose)), output, cancellationToken);
            await ReplayRunner.PrintAsync(summary, output);
            ReplayRunner.ThrowIfIncomplete(summary);
            return ExitCodes.Ok;
        });
        return command;
    }
}
