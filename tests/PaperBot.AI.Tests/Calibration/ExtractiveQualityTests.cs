using PaperBot.AI.Assistant;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Assistant;
using Xunit.Abstractions;

namespace PaperBot.AI.Tests.Calibration;

/// <summary>Extractive mode (the fresh-clone default) over Core's real search and local embedding model.</summary>
public sealed class ExtractiveQualityTests(RealLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<RealLibraryFixture>
{
    [Fact]
    public async Task AskAsync_DevQuestions_ExtractiveAnswersCiteTheRelevantPaper()
    {
        var assistant = CreateAssistant();
        var questions = AbstainCalibrationTests.DevQuestions();
        var cited = 0;
        foreach (var (query, titles) in questions)
        {
            var answer = await assistant.AskAsync(new AskRequest(query));
            Assert.Equal(AnswerMode.Extractive, answer.Mode);
            var hit = answer.Citations.Any(c => titles.Contains(c.Title));
            cited += hit ? 1 : 0;
            output.WriteLine($"{(hit ? "ok  " : "MISS")} {query}\n{answer.Text}\n");
        }

        output.WriteLine($"{cited}/{questions.Count} extractive answers cite the relevant paper");
        Assert.True(cited >= questions.Count - 2, $"only {cited}/{questions.Count} extractive answers cite the relevant paper");
    }

    [Fact]
    public async Task AskAsync_OutOfScope_AbstainsWithRealSearch()
    {
        var assistant = CreateAssistant();

        foreach (var query in AbstainCalibrationTests.OutOfScope)
        {
            var answer = await assistant.AskAsync(new AskRequest(query));
            Assert.Equal(AnswerMode.Abstained, answer.Mode);
            Assert.Equal(3, answer.NearestPapers.Count);
        }
    }

    [Theory]
    [InlineData("TinyStories", "we introduce TinyStories")]
    [InlineData("Dolma", "we release Dolma")]
    [InlineData("Robust and Scalable Model Editing", "we propose EREN")]
    [InlineData("Tele-LLMs", "This paper addresses this gap")]
    public async Task SummarizeAsync_Tldr_QuotesWhatThePaperContributesNotTheFieldBackground(string paper, string contribution)
    {
        var assistant = CreateAssistant();

        var summary = await assistant.SummarizeAsync(paper, SummaryLevel.Tldr);

        output.WriteLine(summary.Text);
        Assert.Equal(AnswerMode.Extractive, summary.Mode);
        Assert.Contains(contribution, summary.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareAsync_TwoSamplePapers_MethodRowsSayWhatEachPaperIntroduces()
    {
        var assistant = CreateAssistant();

        var comparison = await assistant.CompareAsync(["Dolma", "TinyStories", "LLM-Pruner"]);

        foreach (var row in comparison.Rows)
        {
            output.WriteLine($"{row.Aspect}: {string.Join(" | ", row.Cells)}");
        }

        output.WriteLine(comparison.KeyDifferences);
        var method = comparison.Rows.Single(r => r.Aspect == "Method").Cells;
        Assert.All(method, cell => Assert.Matches(@"(?i)\b(we (propose|introduce|present|release)|our method|named|this work)", cell));
    }

    private PaperAssistant CreateAssistant() => fixture.CreateExtractiveAssistant();
}
