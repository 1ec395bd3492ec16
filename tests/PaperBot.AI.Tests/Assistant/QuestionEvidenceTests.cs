using PaperBot.AI.Assistant;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Tests.Assistant;

public sealed class QuestionEvidenceTests
{
    private const string BertQuestion = "What learning rate schedule does BERT use during pretraining?";

    private static readonly InMemoryResearchLibrary Library = InMemoryResearchLibrary.FromSample();

    [Fact]
    public void Terms_Question_NamesAreMixedCaseAcronymsNumbersAndCapitalisedWordsInside()
    {
        var terms = QuestionEvidence.Terms("How does AlphaGo combine Monte Carlo tree search with GPT-4 and LLMs in 1998?");

        Assert.Equal(["AlphaGo", "Monte", "Carlo", "GPT-4", "LLMs", "1998"], terms.Where(t => t.IsName).Select(t => t.Word));
        Assert.Equal(["combine", "tree", "search"], terms.Where(t => !t.IsName).Select(t => t.Word));
        Assert.Equal("llm", terms.Single(t => t.Word == "LLMs").Key);
    }

    [Fact]
    public async Task AssessAsync_RareNameOnlyInAPassingMention_NotCovered()
    {
        var hits = Hits(
            ("We tune the learning rate schedule for pretraining large models, with warmup and decay.", 0.45),
            ("This survey compares GPT- and BERT-style models on many downstream tasks.", 0.40));

        var verdict = await QuestionEvidence.AssessAsync(BertQuestion, hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.False(verdict.Covered, verdict.Reason);
        Assert.Contains("BERT", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssessAsync_PassageAboutTheNamedTopic_Covered()
    {
        var hits = Hits(("BERT is pretrained with a learning rate schedule of linear warmup then linear decay.", 0.45));

        var verdict = await QuestionEvidence.AssessAsync(BertQuestion, hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.True(verdict.Covered, verdict.Reason);
    }

    [Theory]
    [InlineData("FLM-101B: a growth strategy makes training an LLM with 101B parameters cheap.", true)]
    [InlineData("A growth strategy makes training an LLM with 7B parameters cheap.", false)]
    public async Task AssessAsync_CompoundNameWithMagnitude_FoundByItsNumberFamily(string passage, bool covered)
    {
        var hits = Hits((passage, 0.50));

        var verdict = await QuestionEvidence.AssessAsync("growth strategy for cheap 100B-scale training", hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.Equal(covered, verdict.Covered);
    }

    [Fact]
    public async Task AssessAsync_NamesInDifferentPassages_JudgedOnThePassageNamingMost()
    {
        var hits = Hits(
            ("TL-Training up-weights key tokens in supervised fine-tuning and uses a reward for tool-call error categories; we train CodeLLaMA-2-7B.", 0.50),
            ("This guide reviews fine-tuning methods such as PPO.", 0.30));

        var verdict = await QuestionEvidence.AssessAsync(
            "Which paper up-weights key tokens during supervised fine-tuning and uses a PPO reward built around tool-call error categories, training CodeLLaMA-2-7B?",
            hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.True(verdict.Covered, verdict.Reason);
    }

    [Fact]
    public async Task AssessAsync_NameAbsentFromEveryPassage_NotCovered()
    {
        var hits = Hits(("We cast inference-time scaling as particle-based Monte Carlo search over a state-space model.", 0.43));

        var verdict = await QuestionEvidence.AssessAsync("How does AlphaGo combine Monte Carlo tree search with policy networks?", hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.False(verdict.Covered);
        Assert.Contains("'AlphaGo' appears in none", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssessAsync_SimilarPassageWithoutTheQuestionsRareWords_BelowEvidence()
    {
        var hits = Hits(("Language models read long documents and answer questions about them.", 0.35));

        var verdict = await QuestionEvidence.AssessAsync("What loss does a variational autoencoder optimise?", hits, Similarities(hits), Library, 0.52, CancellationToken.None);

        Assert.False(verdict.Covered);
        Assert.True(verdict.Evidence < 0.52, $"evidence {verdict.Evidence}");
    }

    [Fact]
    public async Task AssessAsync_PassageNearOnlyAsAWhole_BelowEvidence()
    {
        // The abstract shares the question's field (similar as a whole), but none of its sentences says what was asked.
        var hits = Hits(("Diffusion of ideas: we review how text models generate images of the field's future.", 0.45));

        var verdict = await QuestionEvidence.AssessAsync("How do diffusion models generate images from text?", hits, [0.30], Library, 0.52, CancellationToken.None);

        Assert.False(verdict.Covered);
        Assert.Equal(0.30 + QuestionEvidence.CoverageWeight, verdict.Evidence, precision: 6);
    }

    [Fact]
    public async Task AssessAsync_SimilaritiesNotOnePerHit_Throws()
    {
        var hits = Hits(("A passage.", 0.45), ("Another passage.", 0.40));

        await Assert.ThrowsAsync<ArgumentException>(() => QuestionEvidence.AssessAsync("What is asked?", hits, [0.5], Library, 0.52, CancellationToken.None));
    }

    // The tests' passages are one sentence each, so the closest sentence is the passage.
    private static List<double> Similarities(List<PassageHit> hits) => hits.Take(QuestionEvidence.SentencePassages).Select(h => h.Similarity).ToList();

    private static List<PassageHit> Hits(params (string Text, double Similarity)[] passages)
    {
        var paper = InMemoryResearchLibrary.NewPaper("p", "A paper", "An abstract.");
        return passages.Select((p, i) => new PassageHit(paper, new Passage(paper.Id, i + 1, p.Text), 1, p.Similarity)).ToList();
    }
}
