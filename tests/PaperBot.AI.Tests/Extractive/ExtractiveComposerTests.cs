using PaperBot.AI.Extractive;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Tests.Extractive;

public sealed class ExtractiveComposerTests
{
    private const string Sentence = "Our retrieval heads attend to the answer span and copy it, which we verify with causal ablations across six model families.";

    [Fact]
    public async Task AnswerAsync_PassageCutInsideASentence_QuotesTheWholeSentenceFromThePaper()
    {
        var fullText = "Long-context models often fail to use what they read. " + Sentence + "\n\nMasking them turns faithful answers into hallucinations.";
        var paper = new Paper("2404.15574", "Retrieval Heads", [], "We find attention heads that fetch facts.", null, [], null, fullText, DateTimeOffset.UnixEpoch);
        // A search passage is a window of words: this one ends where the window did, inside the sentence.
        var passage = new Passage(paper.Id, 1, "Long-context models often fail to use what they read. Our retrieval heads attend to the answer");
        var composer = new ExtractiveComposer(new HashingEmbeddingGenerator());

        var (text, _) = await composer.AnswerAsync("Which heads attend to the answer span and copy it?", [new PassageHit(paper, passage, 1, 0.6)], CancellationToken.None);

        Assert.Contains($"“{Sentence}”", text, StringComparison.Ordinal);
    }
}
