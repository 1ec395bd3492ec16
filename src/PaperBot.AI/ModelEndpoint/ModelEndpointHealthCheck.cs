using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>
/// The model endpoint's circuit breaker: open means answers are extractive until it closes (degraded, not
/// down, because PaperBot still answers). Without an endpoint extractive mode is the configuration.
/// </summary>
internal sealed class ModelEndpointHealthCheck(IOptions<AiOptions> options, ModelCircuit circuit) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            !options.Value.HasEndpoint ? HealthCheckResult.Healthy("no model endpoint: extractive answers")
            : circuit.IsOpen ? HealthCheckResult.Degraded($"circuit breaker {circuit.StateProvider.CircuitState}: answers are extractive until it closes")
            : HealthCheckResult.Healthy($"circuit breaker {circuit.StateProvider.CircuitState}"));
}
