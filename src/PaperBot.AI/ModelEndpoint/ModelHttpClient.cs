using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>
/// The one named <see cref="HttpClient"/> for the model endpoint and its one resilience pipeline:
/// total timeout → retry (exponential backoff with jitter, honouring Retry-After) → circuit breaker →
/// attempt timeout. The OpenAI SDK gets this client with its own retries off, so retries happen only here.
/// </summary>
internal static class ModelHttpClient
{
    public const string Name = "PaperBot.Model";

    public static IServiceCollection AddModelHttpClient(this IServiceCollection services)
    {
        services.AddSingleton<ModelCircuit>();
        services.AddHealthChecks().AddCheck<ModelEndpointHealthCheck>("model");
        services.AddHttpClient(Name, client => client.Timeout = Timeout.InfiniteTimeSpan) // Polly owns timeouts
            .AddResilienceHandler("model", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<AiOptions>>().Value;
                var circuit = context.ServiceProvider.GetRequiredService<ModelCircuit>();
                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ModelHttpClient));
                Configure(pipeline, options, circuit, logger);
            });
        return services;
    }

    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, AiOptions options, ModelCircuit circuit, ILogger logger)
    {
        pipeline
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                // Default predicate: 408, 429, 5xx, HttpRequestException and attempt timeouts. Never 400/401/403/404.
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldRetryAfterHeader = true,
                OnRetry = args =>
                {
                    ModelCallScope.Current?.CountRetry();
                    ModelMetrics.Retries.Add(1, new KeyValuePair<string, object?>("reason", ModelMetrics.RetryReason(args.Outcome)));
                    logger.Retrying(
                        args.AttemptNumber + 1,
                        args.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                        (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                SamplingDuration = options.BreakerSamplingDuration,
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                BreakDuration = options.BreakerBreakDuration,
                StateProvider = circuit.StateProvider,
                OnOpened = args =>
                {
                    ModelMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("state", "open"));
                    logger.CircuitOpened((long)args.BreakDuration.TotalMilliseconds);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    ModelMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("state", "half_open"));
                    return default;
                },
                OnClosed = _ =>
                {
                    ModelMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("state", "closed"));
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout);
    }
}

/// <summary>The model endpoint's circuit state, so the assistant can go extractive while it is open.</summary>
internal sealed class ModelCircuit
{
    public ModelCircuit() => ModelMetrics.Observe(StateProvider);

    public CircuitBreakerStateProvider StateProvider { get; } = new();

    public bool IsOpen => StateProvider.CircuitState is CircuitState.Open or CircuitState.Isolated;
}

/// <summary>Counts the retries of one model call (flows with the async context into the handler pipeline).</summary>
internal sealed class ModelCallScope : IDisposable
{
    private static readonly AsyncLocal<ModelCallScope?> CurrentScope = new();
    private readonly ModelCallScope? _previous;
    private int _retries;

    private ModelCallScope()
    {
        _previous = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    public static ModelCallScope? Current => CurrentScope.Value;

    public int Retries => Volatile.Read(ref _retries);

    public static ModelCallScope Begin() => new();

    public void CountRetry() => Interlocked.Increment(ref _retries);

    public void Dispose() => CurrentScope.Value = _previous;
}
