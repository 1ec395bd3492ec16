using System.Diagnostics;
using Microsoft.SemanticKernel;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Prompts;
using PaperBot.AI.Tests.Fakes;

namespace PaperBot.AI.Tests.ModelEndpoint;

/// <summary>
/// The real SK OpenAI connector, through the named HttpClient and its Polly pipeline, against a scripted
/// loopback server. Attempt timeout 1 s, total 8 s: every case ends in an answer or a clear error.
/// </summary>
public sealed class ModelResilienceTests : IAsyncLifetime
{
    private const string ApiKey = "sk-test-secret-4711";
    private static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(8);
    private FakeModelServer _server = null!;
    private AssistantHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeModelServer.StartAsync();
        _server.Responder = _ => "standalone query";
        _harness = AssistantHarness.Create(_server.Endpoint, configure: s => s["Ai:ApiKey"] = ApiKey);
    }

    public async Task DisposeAsync()
    {
        _harness.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Complete_429WithRetryAfter_WaitsThenAnswers()
    {
        _server.ThenStatus(429, retryAfterSeconds: 1);

        var (text, elapsed) = await CallAsync();

        Assert.Equal("standalone query", text);
        Assert.Equal(2, _server.RequestCount);
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After: 1 was not honoured (retried after {elapsed})");
    }

    [Fact]
    public async Task Complete_AfterARetry_LogsLatencyTokensAndRetriesButNeverTheKey()
    {
        _server.ThenStatus(503);

        await CallAsync();

        var line = Assert.Single(_harness.Logs.Entries, e => e.Message.StartsWith("Model call Research/RewriteQuestion on fake-model took", StringComparison.Ordinal)).Message;
        Assert.Matches(@"took \d+ ms: 120 prompt tokens, 30 completion tokens, 1 retries", line);
        Assert.DoesNotContain(ApiKey, _harness.Logs.AllText, StringComparison.Ordinal);
        Assert.Contains("Bearer " + ApiKey, _server.Requests.Count > 0 ? _server.AuthorizationHeaders[0] : "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_Two503s_RetriesThenAnswers()
    {
        _server.ThenStatus(503).ThenStatus(503);

        var (text, _) = await CallAsync();

        Assert.Equal("standalone query", text);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Complete_DroppedConnection_RetriesThenAnswers()
    {
        _server.ThenDrop();

        var (text, _) = await CallAsync();

        Assert.Equal("standalone query", text);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Complete_SlowPastAttemptTimeout_RetriesThenAnswers()
    {
        _server.ThenSlow(TimeSpan.FromSeconds(6));

        var (text, elapsed) = await CallAsync();

        Assert.Equal("standalone query", text);
        Assert.Equal(2, _server.RequestCount);
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"the slow attempt was not cut at the attempt timeout ({elapsed})");
    }

    [Fact]
    public async Task Complete_InvalidJson_ClearErrorWithoutHanging()
    {
        _server.ThenInvalidJson();

        var error = await Assert.ThrowsAsync<ModelUnavailableException>(() => CallAsync());

        Assert.Contains("not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_401_RejectedKeyErrorWithoutRetry()
    {
        _server.ThenStatus(401);

        var error = await Assert.ThrowsAsync<ModelRejectedException>(() => CallAsync());

        Assert.Contains("rejected the API key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Complete_404_NamesTheModelWithoutRetry()
    {
        _server.ThenStatus(404);

        var error = await Assert.ThrowsAsync<ModelRejectedException>(() => CallAsync());

        Assert.Contains("fake-model", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Complete_Always503_GivesUpAfterRetriesWithClearError()
    {
        _server.Always = (c, _) => FakeModelServer.StatusAsync(c, 503);

        var error = await Assert.ThrowsAsync<ModelUnavailableException>(() => CallAsync());

        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, _server.RequestCount); // first attempt + MaxRetryAttempts
    }

    [Fact]
    public async Task Complete_AlwaysSlow_EndsWithinTotalTimeout()
    {
        _server.Always = async (c, _) => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ModelUnavailableException>(() => CallAsync());

        Assert.Contains("did not answer in time", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TotalTimeout + TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Complete_ArgumentsOtherThanThePromptDeclares_RefusedBeforeAnyRequest()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _harness.Gateway.CompleteAsync(PromptCatalog.RewriteQuestion, new KernelArguments { ["question"] = "q", ["conversation"] = "h" }, CancellationToken.None));

        Assert.Contains("Research/RewriteQuestion", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.RequestCount);
    }

    private async Task<(string Text, TimeSpan Elapsed)> CallAsync()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20)); // a hang fails the test instead of the run
        var stopwatch = Stopwatch.StartNew();
        var text = await _harness.Gateway.CompleteAsync(PromptCatalog.RewriteQuestion, new KernelArguments
        {
            ["question"] = "what data did they use?",
            ["history"] = "User: tell me about TinyStories\nAssistant: It is a dataset [1].",
        }, guard.Token);
        return (text, stopwatch.Elapsed);
    }
}
