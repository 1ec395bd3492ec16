using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Assistant;
using PaperBot.Core.Usage;

namespace PaperBot.AI.Tests.Usage;

/// <summary>Token usage as the endpoint reports it, counted for the daily budget; extractive-only answers make no model call.</summary>
public sealed class TokenUsageTests : IAsyncLifetime
{
    // A question the sample library covers (the assistant does not abstain), as in PaperAssistantTests.
    private const string Question = "open corpus of three trillion tokens used to pretrain OLMo";
    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AskAsync_Generated_RecordsPromptAndCompletionTokensInTheScope()
    {
        _server.ThenReply("Soft labels make pretraining cheaper [1].");
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var usage = TokenUsageScope.Begin();

        await harness.Assistant.AskAsync(new AskRequest(Question));

        Assert.Equal(120, usage.PromptTokens);
        Assert.Equal(30, usage.CompletionTokens);
    }

    [Fact]
    public async Task AskStreamingAsync_Generated_RecordsTheUsageOfTheLastChunk()
    {
        _server.ThenReply("Soft labels make pretraining cheaper [1].");
        using var harness = AssistantHarness.Create(_server.Endpoint);
        using var usage = TokenUsageScope.Begin();

        await foreach (var _ in harness.Assistant.AskStreamingAsync(new AskRequest(Question)))
        {
        }

        Assert.Equal(150, usage.Total);
    }

    [Fact]
    public async Task AskAsync_ExtractiveOnly_AnswersWithoutCallingTheModel()
    {
        using var harness = AssistantHarness.Create(_server.Endpoint);

        var answer = await harness.Assistant.AskAsync(new AskRequest(Question) { ExtractiveOnly = true });

        Assert.Equal(AnswerMode.Extractive, answer.Mode);
        Assert.Equal(0, _server.RequestCount);
    }
}
