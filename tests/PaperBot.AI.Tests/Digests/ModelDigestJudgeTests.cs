using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Digests;

namespace PaperBot.AI.Tests.Digests;

public sealed class ModelDigestJudgeTests : IAsyncLifetime
{
    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Judge_ValidJson_ScoresEveryPaperWithReasonAndBlurb()
    {
        using var harness = AssistantHarness.Create(_server.Endpoint);
        var dolma = harness.Library.ByTitle("Dolma");
        var geb = harness.Library.ByTitle("GEB-1.3B");
        _server.ThenReply("```json\n" + JsonSerializer.Serialize(new
        {
            papers = new[]
            {
                new { id = dolma.Id, score = 9, reason = "Pretraining corpus and its curation toolkit.", blurb = "Releases a 3T-token open corpus." },
                new { id = geb.Id, score = 2, reason = "A small model, not about data.", blurb = "A 1.3B model." },
            },
        }) + "\n```");

        var verdicts = await Judge(harness).JudgeAsync("pretraining data curation", [dolma, geb], CancellationToken.None);

        Assert.NotNull(verdicts);
        Assert.Equal(9, verdicts[dolma.Id].Score);
        Assert.Equal("Pretraining corpus and its curation toolkit.", verdicts[dolma.Id].Reason);
        Assert.Equal("A 1.3B model.", verdicts[geb.Id].Blurb);
        Assert.Contains("pretraining data curation", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"papers\": [{\"id\": \"x\", \"score\": ")]
    [InlineData("{\"papers\": []}")]
    [InlineData("I think the first paper is great.")]
    public async Task Judge_MalformedOrIncompleteReply_AnswersNullSoTheDigestFallsBackToSimilarity(string reply)
    {
        using var harness = AssistantHarness.Create(_server.Endpoint);
        _server.ThenReply(reply);

        var verdicts = await Judge(harness).JudgeAsync("data", [harness.Library.ByTitle("Dolma")], CancellationToken.None);

        Assert.Null(verdicts);
        Assert.Contains("Digest scoring: the model's reply was malformed", harness.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ScoreOutOfRange_IsRejected()
    {
        using var harness = AssistantHarness.Create();
        var dolma = harness.Library.ByTitle("Dolma");

        var ok = PaperBot.AI.Digests.ModelDigestJudge.TryParse(
            $$"""{"papers":[{"id":"{{dolma.Id}}","score":11,"reason":"r","blurb":"b"}]}""", [dolma], out _, out var problem);

        Assert.False(ok);
        Assert.Equal($"{dolma.Id}: score is not a whole number from 1 to 10", problem);
    }

    [Fact]
    public async Task Judge_NoEndpoint_AnswersNullWithoutACall()
    {
        using var harness = AssistantHarness.Create();

        var verdicts = await Judge(harness).JudgeAsync("data", [harness.Library.ByTitle("Dolma")], CancellationToken.None);

        Assert.Null(verdicts);
        Assert.Equal(0, _server.RequestCount);
    }

    private static IDigestJudge Judge(AssistantHarness harness) => harness.Services.GetRequiredService<IDigestJudge>();
}
