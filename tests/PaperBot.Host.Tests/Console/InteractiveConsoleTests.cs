using System.Runtime.CompilerServices;
using PaperBot.Core.Assistant;
using PaperBot.Core.Commands;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Host.Interactive;

namespace PaperBot.Host.Tests.Console;

public sealed class InteractiveConsoleTests
{
    [Fact]
    public async Task RunAsync_NamedOptions_AsInSlashCommands()
    {
        var (assistant, output, _) = await RunAsync("/summarize paper:2305.07759 level:eli5");

        Assert.Equal(("2305.07759", SummaryLevel.Eli5), Assert.Single(assistant.Summaries));
        Assert.Contains("summary of 2305.07759", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PositionalText_MapsToOptions()
    {
        var (assistant, _, searches) = await RunAsync(
            "/summarize TinyStories: How Small detailed",
            "/compare Dolma; TinyStories; GEB-1.3B",
            "/search structured pruning 3");

        Assert.Equal(("TinyStories: How Small", SummaryLevel.Detailed), Assert.Single(assistant.Summaries));
        Assert.Equal(["Dolma", "TinyStories", "GEB-1.3B"], Assert.Single(assistant.Comparisons));
        Assert.Equal(("structured pruning", 3), Assert.Single(searches));
    }

    [Fact]
    public async Task RunAsync_CompareNamedPapers_RendersTable()
    {
        var (assistant, output, _) = await RunAsync("/compare paper1:2305.07759 paper2:Dolma: an Open paper3:x");

        Assert.Equal(["2305.07759", "Dolma: an Open", "x"], Assert.Single(assistant.Comparisons));
        Assert.Contains("Problem", output, StringComparison.Ordinal);
        Assert.Contains("cell-x", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PlainTextAfterAsk_IsAFollowUpWithHistory()
    {
        var (assistant, output, _) = await RunAsync("/ask question:What is Dolma?", "How big is it?", "/ask Something new?");

        Assert.Equal(3, assistant.Questions.Count);
        Assert.Empty(assistant.Questions[0].History!);
        var turn = Assert.Single(assistant.Questions[1].History!);
        Assert.Equal("What is Dolma?", turn.Question);
        Assert.Equal("answer to What is Dolma? [1]", turn.Answer);
        Assert.Empty(assistant.Questions[2].History!); // /ask starts a new conversation
        Assert.Contains("[1] Dolma (dolma)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AbstainedAnswer_NotKeptAsContext()
    {
        var (assistant, _, _) = await RunAsync("/ask sourdough bread?", "and rye?");

        Assert.Empty(assistant.Questions[1].History!);
    }

    [Fact]
    public async Task RunAsync_StreamedTextDiffersFromFinal_PrintsCheckedCitations()
    {
        var (_, output, _) = await RunAsync("/ask bad citations?");

        Assert.Contains("streamed [1][7]", output, StringComparison.Ordinal);
        Assert.Contains("(checked citations:)\nstreamed [1]", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/search pruning top:11", "top must be a whole number from 1 to 10")]
    [InlineData("/summarize paper:x level:huge", "level must be one of tldr, detailed, eli5")]
    [InlineData("/frobnicate", "Unknown command /frobnicate")]
    [InlineData("/summarize", "/summarize needs paper")]
    [InlineData("/summarize paper:Unknown thing", "No paper matches 'Unknown thing'")]
    public async Task RunAsync_BadInput_ClearErrorAndKeepsRunning(string line, string error)
    {
        var (_, output, _) = await RunAsync(line, "/help");

        Assert.Contains("error: " + error, output, StringComparison.Ordinal);
        Assert.Contains("/compare paper1:… paper2:… [paper3:…]", output, StringComparison.Ordinal); // /help still ran
    }

    [Fact]
    public async Task RunAsync_Help_ListsEverySlashCommand()
    {
        var (_, output, _) = await RunAsync("/help");

        Assert.All(SlashCommandCatalog.All, spec => Assert.Contains("/" + spec.Name, output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PaperAdd_AddsFromTheSourceAndFollowUpsStillWork()
    {
        var added = new List<string>();
        var (assistant, output, _) = await RunAsync(added, "/ask What is Dolma?", "/paper add https://arxiv.org/abs/2402.00159", "And how big is it?");

        Assert.Equal(["https://arxiv.org/abs/2402.00159"], added);
        Assert.Contains("Added 2402.00159: Dolma", output, StringComparison.Ordinal);
        Assert.Single(assistant.Questions[1].History!);
    }

    [Fact]
    public async Task RunAsync_PaperAddWithTheDiscordOptionName_TakesTheValue()
    {
        var added = new List<string>();
        var (_, output, _) = await RunAsync(added, "/paper add source:2402.00159");

        Assert.Equal(["2402.00159"], added);
        Assert.Contains("Added 2402.00159", output, StringComparison.Ordinal);
    }

    private static Task<(FakeAssistant Assistant, string Output, List<(string, int)> Searches)> RunAsync(params string[] lines) => RunAsync([], lines);

    private static async Task<(FakeAssistant Assistant, string Output, List<(string, int)> Searches)> RunAsync(List<string> added, params string[] lines)
    {
        var assistant = new FakeAssistant();
        var searches = new List<(string, int)>();
        var output = new StringWriter();
        var io = new AppIo(new StringReader(string.Join('\n', lines) + "\n"), output, output, IsInteractive: false);
        var console = new InteractiveConsole(assistant, (query, top, _) =>
        {
            searches.Add((query, top));
            return Task.FromResult<IReadOnlyList<SearchHit>>([]);
        }, io, addPaper: (source, _) =>
        {
            added.Add(source);
            return Task.FromResult(new Paper("2402.00159", "Dolma", [], "An open corpus.", null, [], null, null, DateTimeOffset.UnixEpoch));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var exitCode = await console.RunAsync(timeout.Token);

        Assert.Equal(0, exitCode);
        return (assistant, output.ToString(), searches);
    }

    private sealed class FakeAssistant : IPaperAssistant
    {
        public List<AskRequest> Questions { get; } = [];

        public List<(string, SummaryLevel)> Summaries { get; } = [];

        public List<IReadOnlyList<string>> Comparisons { get; } = [];

        public Task<AssistantAnswer> AskAsync(AskRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException("the console streams");

        public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Questions.Add(request);
            await Task.Yield();
            if (request.Question.Contains("sourdough", StringComparison.Ordinal))
            {
                yield return new AnswerUpdate("The collection doesn't cover this.");
                yield return new AnswerUpdate("", new AssistantAnswer("The collection doesn't cover this.", AnswerMode.Abstained, [], []));
                yield break;
            }

            if (request.Question.Contains("bad citations", StringComparison.Ordinal))
            {
                yield return new AnswerUpdate("streamed ");
                yield return new AnswerUpdate("[1][7]");
                yield return new AnswerUpdate("", new AssistantAnswer("streamed [1]", AnswerMode.Generated, [new Citation(1, "dolma", "Dolma", null)], []));
                yield break;
            }

            var text = $"answer to {request.Question} [1]";
            yield return new AnswerUpdate(text);
            yield return new AnswerUpdate("", new AssistantAnswer(text, AnswerMode.Generated, [new Citation(1, "dolma", "Dolma", null)], []));
        }

        public Task<SummaryResult> SummarizeAsync(string paper, SummaryLevel level, bool extractiveOnly = false, CancellationToken cancellationToken = default)
        {
            if (paper.StartsWith("Unknown", StringComparison.Ordinal))
            {
                throw new PaperLookupException(paper, []);
            }

            Summaries.Add((paper, level));
            return Task.FromResult(new SummaryResult(paper, "Title", null, level, AnswerMode.Extractive, $"summary of {paper}", false));
        }

        public Task<ComparisonResult> CompareAsync(IReadOnlyList<string> papers, bool extractiveOnly = false, CancellationToken cancellationToken = default)
        {
            Comparisons.Add(papers);
            var references = papers.Select(p => new PaperReference(p, "T " + p, null, 0)).ToList();
            IReadOnlyList<ComparisonRow> rows = [new("Problem", papers.Select(p => "cell-" + p).ToList())];
            return Task.FromResult(new ComparisonResult(references, rows, "differences", AnswerMode.Extractive));
        }
    }
}
