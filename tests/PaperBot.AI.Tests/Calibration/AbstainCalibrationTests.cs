using System.Globalization;
using System.Text;
using System.Text.Json;
using PaperBot.AI.Assistant;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Assistant;
using Xunit.Abstractions;

namespace PaperBot.AI.Tests.Calibration;

/// <summary>
/// Abstaining with Core's real search and local embedding model, with no language model: the assistant must
/// answer every dev and held-out question and abstain on out-of-scope ones (Fixtures/out-of-scope-questions.jsonl:
/// machine-learning topics the sample papers do not cover, and questions from outside the field). The thresholds
/// (<see cref="AiOptions.AbstainSimilarity"/>, <see cref="AiOptions.AbstainEvidence"/>) were chosen on the
/// calibration split (dev questions, even-numbered held-out lines, out-of-scope "calibration" rows); the report
/// split is the odd-numbered held-out lines and the out-of-scope "report" rows. Prints the README's table:
/// dotnet test tests/PaperBot.AI.Tests -c Release --filter AbstainCalibrationTests --logger "console;verbosity=detailed"
/// </summary>
public sealed class AbstainCalibrationTests(RealLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<RealLibraryFixture>
{
    /// <summary>Questions from outside the field (out-of-scope rows with field "outside").</summary>
    internal static IReadOnlyList<string> OutOfScope => OutOfScopeQuestions().Where(q => q.Field == "outside").Select(q => q.Query).ToList();

    internal static IReadOnlyList<(string Query, string[] Titles)> DevQuestions() => Questions("dev-questions.jsonl");

    internal static IReadOnlyList<(string Query, string[] Titles)> HeldOutQuestions() => Questions("heldout-questions.jsonl");

    internal static IReadOnlyList<(string Query, string Field, string Split)> OutOfScopeQuestions() =>
        Lines("out-of-scope-questions.jsonl")
            .Select(e => (e.GetProperty("query").GetString()!, e.GetProperty("field").GetString()!, e.GetProperty("split").GetString()!))
            .ToList();

    [Fact]
    public async Task AskAsync_CalibrationAndReportSplits_AnswersCalibrationQuestionsAndAbstainsOutOfScope()
    {
        var assistant = CreateAssistant();
        var inScope = new List<(string Split, string Query, bool Abstained)>();
        foreach (var (query, _) in DevQuestions())
        {
            inScope.Add(("calibration", query, await AbstainsAsync(assistant, query, "dev")));
        }

        foreach (var ((query, _), i) in HeldOutQuestions().Select((q, i) => (q, i)))
        {
            var split = i % 2 == 0 ? "calibration" : "report";
            inScope.Add((split, query, await AbstainsAsync(assistant, query, $"held-out/{split}")));
        }

        var outOfScope = new List<(string Split, string Field, string Query, bool Abstained)>();
        foreach (var (query, field, split) in OutOfScopeQuestions())
        {
            outOfScope.Add((split, field, query, await AbstainsAsync(assistant, query, $"{field}/{split}")));
        }

        var table = new StringBuilder("| split | in-scope answered | in-field abstained | outside abstained | precision | recall |\n|---|---|---|---|---|---|\n");
        foreach (var split in new[] { "calibration", "report" })
        {
            var answered = inScope.Where(q => q.Split == split).ToList();
            var oos = outOfScope.Where(q => q.Split == split).ToList();
            var trueAbstentions = oos.Count(q => q.Abstained);
            var falseAbstentions = answered.Count(q => q.Abstained);
            table.Append(CultureInfo.InvariantCulture,
                $"| {split} | {answered.Count(q => !q.Abstained)}/{answered.Count} | {Ratio(oos, "in-field")} | {Ratio(oos, "outside")} | " +
                $"{trueAbstentions / (double)Math.Max(1, trueAbstentions + falseAbstentions):P0} | {trueAbstentions / (double)oos.Count:P0} |\n");
        }

        output.WriteLine(table.ToString());

        // The issue's goal, on both splits together: every dev and held-out question answered, every outside question
        // and at least 9 in 10 in-field out-of-scope questions abstained on (README, "Abstaining": 24/24 measured).
        Assert.All(inScope, q => Assert.False(q.Abstained, $"abstained on the in-scope question '{q.Query}'"));
        Assert.All(outOfScope.Where(q => q.Field == "outside"), q => Assert.True(q.Abstained, $"answered '{q.Query}'"));
        var inField = outOfScope.Where(q => q.Field == "in-field").ToList();
        Assert.True(inField.Count(q => q.Abstained) * 10 >= inField.Count * 9,
            $"abstained on {inField.Count(q => q.Abstained)}/{inField.Count} in-field out-of-scope questions; answered: {string.Join(" | ", inField.Where(q => !q.Abstained).Select(q => q.Query))}");
    }

    [Theory]
    [InlineData("How does AlphaGo combine Monte Carlo tree search with policy networks?")]
    [InlineData("What learning rate schedule does BERT use during pretraining?")]
    public async Task AskAsync_NamedTopicTheLibraryOnlyTouches_AbstainsWithNearestPapers(string question)
    {
        var answer = await CreateAssistant().AskAsync(new AskRequest(question));

        Assert.Equal(AnswerMode.Abstained, answer.Mode);
        Assert.Empty(answer.Citations);
        Assert.Equal(3, answer.NearestPapers.Count);
    }

    private async Task<bool> AbstainsAsync(PaperAssistant assistant, string query, string kind)
    {
        var answer = await assistant.AskAsync(new AskRequest(query));
        var abstained = answer.Mode == AnswerMode.Abstained;
        output.WriteLine($"{(abstained ? "abstain" : "answer ")} {kind,-20} {query}");
        return abstained;
    }

    private static string Ratio(List<(string Split, string Field, string Query, bool Abstained)> questions, string field) =>
        $"{questions.Count(q => q.Field == field && q.Abstained)}/{questions.Count(q => q.Field == field)}";

    private PaperAssistant CreateAssistant() => fixture.CreateExtractiveAssistant();

    private static List<(string Query, string[] Titles)> Questions(string file) =>
        Lines(file)
            .Select(e => (e.GetProperty("query").GetString()!, e.GetProperty("relevant_titles").EnumerateArray().Select(t => t.GetString()!).ToArray()))
            .ToList();

    private static IEnumerable<JsonElement> Lines(string file) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", file))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone());
}
