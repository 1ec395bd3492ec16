using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>Metrics of the model endpoint: calls, tokens, retries and the circuit breaker's state.</summary>
internal static class ModelMetrics
{
    public const string MeterName = "PaperBot.AI";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Model calls, tagged with <c>prompt</c> and <c>outcome</c> (<c>ok</c>, <c>rejected</c>, <c>unavailable</c>).</summary>
    public static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "paperbot.model.calls", description: "Model calls, by prompt and outcome.");

    /// <summary>Call latency in milliseconds (retries included), tagged with <c>prompt</c>.</summary>
    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "paperbot.model.call.duration", unit: "ms", description: "Model call latency, retries included.");

    /// <summary>Tokens as the endpoint reports them, tagged with <c>kind</c> (<c>prompt</c>, <c>completion</c>).</summary>
    public static readonly Counter<long> Tokens = Meter.CreateCounter<long>(
        "paperbot.model.tokens", unit: "{token}", description: "Tokens the endpoint reported, prompt and completion.");

    /// <summary>HTTP attempts retried by the resilience pipeline.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "paperbot.model.retries", description: "Retried HTTP attempts against the model endpoint.");

    private static CircuitBreakerStateProvider? _breaker;

    static ModelMetrics()
    {
        Meter.CreateObservableGauge("paperbot.model.breaker.state", () => (int)(_breaker?.CircuitState ?? CircuitState.Closed),
            description: "Circuit breaker state of the model endpoint: 0 closed, 1 open, 2 half-open, 3 isolated.");
    }

    /// <summary>Reports <paramref name="breaker"/>'s state through the gauge (one model endpoint per process).</summary>
    public static void Observe(CircuitBreakerStateProvider breaker) => _breaker = breaker;
}
