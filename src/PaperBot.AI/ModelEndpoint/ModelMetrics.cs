using System.Diagnostics.Metrics;
using System.Globalization;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

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

    /// <summary>HTTP attempts retried by the resilience pipeline, tagged with <c>reason</c> (<c>http_429</c>, <c>http_503</c>…, <c>timeout</c>, <c>network</c>).</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "paperbot.model.retries", description: "Retried HTTP attempts against the model endpoint, by reason.");

    /// <summary>Circuit breaker transitions, tagged with <c>state</c> (<c>open</c>, <c>half_open</c>, <c>closed</c>): an opening between two scrapes of the gauge still counts.</summary>
    public static readonly Counter<long> BreakerTransitions = Meter.CreateCounter<long>(
        "paperbot.model.breaker.transitions", description: "Circuit breaker transitions of the model endpoint, by the state entered.");

    private static CircuitBreakerStateProvider? _breaker;

    static ModelMetrics()
    {
        Meter.CreateObservableGauge("paperbot.model.breaker.state", () => (int)(_breaker?.CircuitState ?? CircuitState.Closed),
            description: "Circuit breaker state of the model endpoint: 0 closed, 1 open, 2 half-open, 3 isolated.");
    }

    /// <summary>The <c>reason</c> tag of a retry: the status code of a failed response, else the kind of failure.</summary>
    public static string RetryReason(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture),
        { Exception: TimeoutRejectedException or TaskCanceledException } => "timeout",
        { Exception: HttpRequestException or IOException } => "network",
        _ => "other",
    };

    /// <summary>Reports <paramref name="breaker"/>'s state through the gauge (one model endpoint per process).</summary>
    public static void Observe(CircuitBreakerStateProvider breaker) => _breaker = breaker;
}
