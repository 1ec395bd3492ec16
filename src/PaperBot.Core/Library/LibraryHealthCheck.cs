using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PaperBot.Core.Library;

/// <summary>The library store answers a query (file readable, schema current).</summary>
internal sealed class LibraryHealthCheck(IPaperStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var stats = await store.GetStatsAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{stats.Papers} papers in {stats.Path}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"library not readable: {ex.Message}");
        }
    }
}
