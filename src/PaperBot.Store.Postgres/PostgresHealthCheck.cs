using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PaperBot.Store.Postgres;

/// <summary>The PostgreSQL database of the shared stores answers and has this build's schema.</summary>
internal sealed class PostgresHealthCheck(PostgresLibrary library) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await library.OpenAsync(cancellationToken);
            var version = await PostgresSchema.ReadVersionAsync(connection, cancellationToken);
            return HealthCheckResult.Healthy($"schema {version} in '{connection.Database}' on {connection.Host}:{connection.Port}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL not usable: {ex.Message}");
        }
    }
}
