using Microsoft.SemanticKernel;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Prompts;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Testing;
using Polly;
using Polly.CircuitBreaker;

namespace PaperBot.AI.Tests.ModelEndpoint;

/// <summary>The model endpoint's metrics, read with a MeterListener while the real pipeline runs against the loopback fake.</summary>
public sealed class ModelMetricsTests : IAsyncLifetime
{
    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CompleteAsync_Answered_CountsTheCallAndItsTokensByPrompt()
    {
        _server.Responder = _ => "standalone query";
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var metrics = new MetricCapture("paperbot.model.calls", "paperbot.model.call.duration", "paperbot.model.tokens");

        await RewriteAsync(harness);

        Assert.NotEmpty(metrics.Of("paperbot.model.calls", ("prompt", "Research/RewriteQuestion"), ("outcome", "ok")));
        Assert.NotEmpty(metrics.Of("paperbot.model.call.duration", ("prompt", "Research/RewriteQuestion")));
        Assert.Contains(metrics.Of("paperbot.model.tokens", ("prompt", "Research/RewriteQuestion"), ("kind", "prompt")), m => m.Value == 120);
        Assert.Contains(metrics.Of("paperbot.model.tokens", ("prompt", "Research/RewriteQuestion"), ("kind", "completion")), m => m.Value == 30);
    }

    [Fact]
    public async Task StreamAsync_EndpointReportsUsage_CountsTheStreamsTokens()
    {
        _server.Responder = _ => "Dolma is an open corpus [1].";
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var metrics = new MetricCapture("paperbot.model.tokens", "paperbot.model.calls");

        var arguments = new KernelArguments { ["question"] = "what is Dolma?", ["history"] = "", ["passages"] = "[1] Dolma: an open corpus." };
        await foreach (var _ in harness.Gateway.StreamAsync(PromptCatalog.Answer, arguments, CancellationToken.None))
        {
        }

        Assert.NotEmpty(metrics.Of("paperbot.model.calls", ("prompt", "Research/Answer"), ("outcome", "ok")));
        Assert.Contains(metrics.Of("paperbot.model.tokens", ("prompt", "Research/Answer"), ("kind", "prompt")), m => m.Value == 120);
        Assert.Contains(metrics.Of("paperbot.model.tokens", ("prompt", "Research/Answer"), ("kind", "completion")), m => m.Value == 30);
    }

    [Fact]
    public async Task CompleteAsync_503ThenAnswer_CountsOneRetryWithTheStatusAsReason()
    {
        _server.Responder = _ => "standalone query";
        _server.ThenStatus(503);
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var metrics = new MetricCapture("paperbot.model.retries");

        await RewriteAsync(harness);

        Assert.Contains(metrics.Of("paperbot.model.retries"), m => m.Value == 1 && m.Tag("reason") == "http_503");
    }

    [Fact]
    public async Task CompleteAsync_401_CountsARejectedCall()
    {
        _server.ThenStatus(401);
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var metrics = new MetricCapture("paperbot.model.calls");

        await Assert.ThrowsAsync<ModelRejectedException>(() => RewriteAsync(harness));

        Assert.NotEmpty(metrics.Of("paperbot.model.calls", ("prompt", "Research/RewriteQuestion"), ("outcome", "rejected")));
    }

    [Fact]
    public async Task CompleteAsync_EndpointDown_CountsTheBreakerOpening()
    {
        _server.Always = (c, _) => FakeModelServer.StatusAsync(c, 503);
        using var harness = AssistantHarness.Create(_server.Endpoint, configure: s =>
        {
            s["Ai:MaxRetryAttempts"] = "1";
            s["Ai:BreakerMinimumThroughput"] = "2";
            s["Ai:BreakerFailureRatio"] = "0.5";
        });
        using var metrics = new MetricCapture("paperbot.model.breaker.transitions", "paperbot.model.calls");

        await Assert.ThrowsAsync<ModelUnavailableException>(() => RewriteAsync(harness));

        Assert.NotEmpty(metrics.Of("paperbot.model.breaker.transitions", ("state", "open")));
        Assert.NotEmpty(metrics.Of("paperbot.model.calls", ("prompt", "Research/RewriteQuestion"), ("outcome", "unavailable")));
    }

    private static Task<string> RewriteAsync(AssistantHarness harness)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return harness.Gateway.CompleteAsync(PromptCatalog.RewriteQuestion, new KernelArguments
        {
            ["question"] = "what data did they use?",
            ["history"] = "User: tell me about TinyStories",
        }, guard.Token);
    }
}

/// <summary>The breaker gauge reads the process's one model circuit: alone, so no other test's circuit replaces it meanwhile.</summary>
[Collection(nameof(SerialBreakerGauge))]
public sealed class BreakerGaugeTests
{
    [Fact]
    public async Task BreakerStateGauge_BreakerIsolatedThenClosed_ReportsEachState()
    {
        var circuit = new ModelCircuit();
        var control = new CircuitBreakerManualControl();
        _ = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions { StateProvider = circuit.StateProvider, ManualControl = control })
            .Build();
        using var metrics = new MetricCapture("paperbot.model.breaker.state");

        await control.IsolateAsync();
        metrics.Observe();
        await control.CloseAsync();
        metrics.Observe();

        Assert.Equal([3.0, 0.0], metrics.Of("paperbot.model.breaker.state").Select(m => m.Value));
    }
}

[CollectionDefinition(nameof(SerialBreakerGauge), DisableParallelization = true)]
public sealed class SerialBreakerGauge;
