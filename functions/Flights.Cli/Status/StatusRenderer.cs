using System.Globalization;
using Flights.Core.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace Flights.Cli.Status;

/// <summary><c>flights status [--json]</c>: the pipeline health report as a table or as the JSON of <c>/api/health</c>.</summary>
public static class StatusRenderer
{
    /// <summary>Checks the pipeline and writes the report; returns 0 when healthy or degraded, 1 when down.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, bool json, TextWriter output, CancellationToken ct)
    {
        var report = await services.GetRequiredService<PipelineHealthService>().GetAsync(ct);
        await output.WriteAsync(json ? PipelineHealthJson.Serialize(report) + Environment.NewLine : Render(report));
        return report.Status == HealthStatus.Down ? 1 : 0;
    }

    /// <summary>The report as an aligned two-column table followed by the issues.</summary>
    public static string Render(PipelineHealthReport report)
    {
        var rows = new List<(string Name, string Value)>
        {
            ("Status", report.Status.ToString().ToUpperInvariant()),
            ("Checked at", Time(report.CheckedAt)),
            ("Pipeline clock", report.PipelineClock is { } clock ? $"{Time(clock)} ({PipelineHealthService.Format(report.DataAge!.Value)} behind)" : "-"),
            ("Lifecycle clock", report.SafeClock is { } safe ? $"{Time(safe)} (safe: every partition processed; the closer's clock)" : "- (the closer ends nothing)"),
            ("Last fetch", report.LastFetch?.At is { } at ? $"{Time(at)}: {report.LastFetch.Result ?? "?"}, {Number(report.LastFetch.States)} states" : "never"),
            ("Credits remaining", Number(report.LastFetch?.CreditsRemaining)),
            ("Next fetch", report.LastFetch?.NextFetchAt is { } next ? Time(next) : "-"),
            ("Live aircraft", Number(report.LiveAircraft)),
            ("Open flights", Number(report.OpenFlights)),
            ("Ended last hour", report.FlightsEndedLastHour.Count == 0 ? "0" : string.Join(", ", report.FlightsEndedLastHour.Select(e => $"{e.Key} {e.Value}"))),
            ("Kafka", report.Kafka.State == "ok"
                ? $"{report.Kafka.Topic}, group {report.Kafka.ConsumerGroup}: lag {report.Kafka.TotalLag}"
                : $"{report.Kafka.State}: {report.Kafka.Error}"),
        };
        foreach (var partition in report.Kafka.Partitions)
        {
            rows.Add(($"  partition {partition.Partition}", $"lag {partition.Lag} (committed {partition.Committed?.ToString(CultureInfo.InvariantCulture) ?? "none"}, end {partition.HighWatermark})"));
        }

        if (report.Process is { } process)
        {
            rows.Add(("This process", $"received {process.Received}, written {process.Written}, rejected {process.Rejected}, dead-lettered {process.DeadLettered}"
                + (process.StatesPerSecond is { } rate ? string.Create(CultureInfo.InvariantCulture, $", {rate} states/s") : "")));
        }

        var width = rows.Max(r => r.Name.Length);
        var text = new System.Text.StringBuilder();
        foreach (var (name, value) in rows)
        {
            text.Append(name.PadRight(width)).Append("  ").AppendLine(value);
        }

        foreach (var issue in report.Issues)
        {
            text.Append("! ").Append(issue.Code).Append(": ").AppendLine(issue.Message);
        }

        return text.ToString();
    }

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
