using PaperBot.AI.Assistant;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Assistant;
using Xunit.Abstractions;

namespace PaperBot.AI.Tests.Calibration;

/// <summary>
/// Follow-ups in a conversation with the real assistant over the sample library and the local embedding model, with no
/// language model (the extractive path: the follow-up is searched together with the previous question).
/// </summary>
public sealed class FollowUpRetrievalTests(RealLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<RealLibraryFixture>
{
    private const string DenseQuestion = "How do the scaling laws of dense models relate model size to loss?";

    [Fact]
    public async Task AskAsync_MoEFollowUpAfterDenseModels_RetrievesTheMixtureOfExpertsPaper()
    {
        var assistant = CreateAssistant();
        var first = await assistant.AskAsync(new AskRequest(DenseQuestion));
        var followUp = await assistant.AskAsync(new AskRequest("And how does that compare to MoE?", [new ConversationTurn(DenseQuestion, first.Text)]));
        Print(first);
        Print(followUp);

        Assert.Equal(AnswerMode.Extractive, followUp.Mode);
        Assert.Contains(followUp.Citations, c => c.Title.Contains("Mixture of Experts", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(followUp.Citations, c => c.Title.Contains("Dense Scaling Laws", StringComparison.OrdinalIgnoreCase)); // the earlier turn still steers

    }

    private void Print(AssistantAnswer answer) =>
        output.WriteLine($"{answer.Mode}: {string.Join(" | ", answer.Citations.Select(c => c.Title))}\n{answer.Text}\n");

    private PaperAssistant CreateAssistant() => fixture.CreateExtractiveAssistant();
}
