using Flights.Core.Monitoring;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flights.Functions;

/// <summary>
/// <c>GET /api/health</c>: the pipeline health report (<see cref="PipelineHealthService"/>), 200 when healthy
/// or degraded, 503 when down, so a probe or load balancer reacts only to a real outage.
/// Needs <c>services.AddFlightsHealth(configuration)</c> in Program.cs.
/// </summary>
public sealed class HealthFunction(PipelineHealthService health)
{
    [Function("Health")]
    public async Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken cancellationToken)
    {
        var report = await health.GetAsync(cancellationToken);
        return new ContentResult
        {
            Content = PipelineHealthJson.Serialize(report),
            ContentType = "application/json; charset=utf-8",
            StatusCode = report.Status == HealthStatus.Down ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK,
        };
    }
}
