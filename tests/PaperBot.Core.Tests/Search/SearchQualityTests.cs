using System.Text.Json;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;
using Xunit.Abstractions;

namespace PaperBot.Core.Tests.Search;

/// <summary>The sample collection plus 1,000 arXiv OAI records as distractors, ingested once for the class.</summary>
public sealed class DevLibraryFixture : IAsyncLifetime
{
    public TestLibrary Library { get; } = new();

    /// <summary>The development questions the fusion was tuned on.</summary>
    public IReadOnlyList<(string Query, string[] Relevant)> Questions { get; } = Load("dev-questions.jsonl");

    /// <summary>45 further questions, one per paper, never used for tuning.</summary>
    public IReadOnlyList<(string Query, string[] Relevant)> HeldOut { get; } = Load("heldout-questions.jsonl");

    private static List<(string, string[])> Load(string file) =>
        [.. File.ReadLines(TestData.Fixture(file))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("query").GetString()!, e.GetProperty("relevant_titles").EnumerateArray().Select(t => t.GetString()!).ToArray()))];

    public async Task InitializeAsync()
    {
        await Library.Ingestor.IngestAsync(TestData.SamplePage);
        await Library.Ingestor.IngestAsync(TestData.Fixture("arxiv-oai-arxivraw-1000.xml"));
    }

    public Task DisposeAsync()
    {
        Library.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class SearchQualityTests(DevLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<DevLibraryFixture>
{
    [Fact]
    public async Task Search_DevQuestionsWithDistractors_RelevantPaperInTop5AlwaysAndFirstNearlyAlways()
    {
        var (top1, top5, misses) = await EvaluateAsync(fixture.Questions, SearchMode.Hybrid);

        output.WriteLine($"hybrid: top-1 {top1}/{fixture.Questions.Count}, top-5 {top5}/{fixture.Questions.Count}");
        Assert.True(top5 == fixture.Questions.Count, "not in top 5: " + string.Join(" | ", misses));
        Assert.True(top1 >= fixture.Questions.Count - 1, $"first for only {top1} of {fixture.Questions.Count}");
    }

    [Fact]
    public async Task Search_HeldOutQuestions_RelevantPaperInTop5AlwaysAndFirstNearlyAlways()
    {
        var (top1, top5, misses) = await EvaluateAsync(fixture.HeldOut, SearchMode.Hybrid);

        output.WriteLine($"held-out hybrid: top-1 {top1}/{fixture.HeldOut.Count}, top-5 {top5}/{fixture.HeldOut.Count}");
        Assert.True(top5 == fixture.HeldOut.Count, "not in top 5: " + string.Join(" | ", misses));
        Assert.True(top1 >= fixture.HeldOut.Count - 2, $"first for only {top1} of {fixture.HeldOut.Count}: " + string.Join(" | ", misses));
    }

    [Fact]
    public async Task Search_Hybrid_BeatsLexicalAloneAndSemanticAlone()
    {
        var questions = fixture.Questions.Concat(fixture.HeldOut).ToList();
        var hybrid = await ScoreAsync(questions, SearchMode.Hybrid);
        var lexical = await ScoreAsync(questions, SearchMode.LexicalOnly);
        var semantic = await ScoreAsync(questions, SearchMode.SemanticOnly);

        output.WriteLine($"MRR@10 over {questions.Count} questions: hybrid {hybrid:0.000}, lexical {lexical:0.000}, semantic {semantic:0.000}");
        Assert.True(hybrid > lexical && hybrid > semantic, $"hybrid {hybrid:0.000}, lexical {lexical:0.000}, semantic {semantic:0.000}");
    }

    [Fact]
    public async Task SearchPassages_ReturnsPassagesOfTheRightPaperWithSimilarity()
    {
        var hits = await fixture.Library.Search.SearchPassagesAsync("GPT-4 for data cleaning: error detection, imputation and schema matching", 5);

        Assert.Equal("Large Language Models as Data Preprocessors", hits[0].Paper.Title);
        Assert.Equal(0, hits[0].Passage.ChunkIndex);
        Assert.StartsWith("Large Language Models as Data Preprocessors", hits[0].Passage.Text, StringComparison.Ordinal);
        Assert.InRange(hits[0].Similarity, 0.3, 1.0);
    }

    [Fact]
    public async Task Search_OutOfScopeQuestion_HasLowerSimilarityThanInScopeOnes()
    {
        var inScope = new List<double>();
        foreach (var (query, _) in fixture.Questions)
        {
            inScope.Add((await fixture.Library.Search.SearchAsync(query, 1))[0].Similarity);
        }

        var outOfScope = (await fixture.Library.Search.SearchAsync("best sourdough bread recipe with a long cold fermentation", 1))[0].Similarity;

        output.WriteLine($"in-scope min {inScope.Min():0.000}, out-of-scope {outOfScope:0.000}");
        Assert.True(outOfScope < inScope.Min());
    }

    [Fact]
    public async Task Search_QueryWithFtsSyntax_IsTreatedAsWords()
    {
        var hits = await fixture.Library.Search.SearchAsync("\"mixture\" OR NEAR(experts) AND -survey*", 3);

        Assert.Contains(hits, h => h.Paper.Title == "A Survey on Mixture of Experts");
    }

    private async Task<(int Top1, int Top5, List<string> Misses)> EvaluateAsync(IReadOnlyList<(string Query, string[] Relevant)> questions, SearchMode mode)
    {
        int top1 = 0, top5 = 0;
        var misses = new List<string>();
        foreach (var (query, relevant) in questions)
        {
            var hits = await fixture.Library.Search.SearchAsync(query, 5, mode);
            var rank = hits.ToList().FindIndex(h => relevant.Contains(h.Paper.Title));
            top1 += rank == 0 ? 1 : 0;
            top5 += rank >= 0 ? 1 : 0;
            if (rank != 0)
            {
                misses.Add($"{query} → rank {(rank < 0 ? ">5" : (rank + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            }
        }

        return (top1, top5, misses);
    }

    private async Task<double> ScoreAsync(IReadOnlyList<(string Query, string[] Relevant)> questions, SearchMode mode)
    {
        var total = 0.0;
        foreach (var (query, relevant) in questions)
        {
            var hits = await fixture.Library.Search.SearchAsync(query, 10, mode);
            var rank = hits.ToList().FindIndex(h => relevant.Contains(h.Paper.Title));
            total += rank < 0 ? 0 : 1.0 / (rank + 1);
        }

        return total / questions.Count;
    }
}

public sealed class FtsQueryTests
{
    [Theory]
    [InlineData("telecom language models", "\"telecom\"* OR \"language\"* OR \"models\"*")]
    [InlineData("What is the MoE?", "\"moe\"")]
    [InlineData("NEAR(a b) OR \"x\" -y*", "\"near\"")]
    public void ToLexicalQuery_QuotesWordsDropsStopWordsAndPrefixesLongWords(string query, string expected) =>
        Assert.Equal(expected, SqliteLexicalIndex.ToMatch(HybridSearch.ToLexicalQuery(query)!));

    [Fact]
    public void ToLexicalQuery_OnlyStopWords_IsNoLexicalQuery() => Assert.Null(HybridSearch.ToLexicalQuery("what is the"));
}

public sealed class LargeQueryPlanTests
{
    private static readonly TermStatistics Statistics = new(new Dictionary<string, long>
    {
        ["gener"] = 3000, ["general"] = 2000, ["generat"] = 2500, ["telecom"] = 30, ["telecommun"] = 20, ["model"] = 9000, ["sparsiti"] = 50,
    });

    [Fact]
    public void PlanLargeQuery_PrefixThatWidensTheMatch_IsMatchedExactly()
    {
        var plan = HybridSearch.PlanLargeQuery(Statistics, [("generalization", "gener"), ("sparsity", "sparsiti")]);

        Assert.Equal("\"sparsity\"* OR \"generalization\"", SqliteLexicalIndex.ToMatch(plan));
    }

    [Fact]
    public void PlanLargeQuery_CheapPrefix_KeepsPrefixAndDropsWordsOverTheBudget()
    {
        var plan = HybridSearch.PlanLargeQuery(Statistics, [("models", "model"), ("telecom", "telecom"), ("sparsity", "sparsiti")]);

        Assert.Equal("\"sparsity\"* OR \"telecom\"*", SqliteLexicalIndex.ToMatch(plan));
    }
}
