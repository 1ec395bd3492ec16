using PaperBot.Core.Assistant;
using PaperBot.Core.Digests;
using PaperBot.Core.Search;
using PaperBot.Host.Interactive;

namespace PaperBot.Host.Tests.Console;

public sealed class ConsoleDigestTests
{
    [Fact]
    public async Task RunAsync_DigestPreviewWithTopics_PrintsTheDigestForThoseTopics()
    {
        var asked = new List<(string Topics, int Max)>();
        var entry = new DigestEntry("2305.07759", "TinyStories: How Small Can Language Models Be", "https://arxiv.org/abs/2305.07759",
            "R. Eldan, Y. Li", "We introduce TinyStories, a synthetic dataset of short stories.", BlurbMode.Extractive,
            "closest to your topic “small language models” (similarity 0.52)", 8.4, 0.52);
        var output = await RunAsync(
            (topics, max, _) =>
            {
                asked.Add((topics, max));
                return Task.FromResult(new Digest(topics, [entry], [new DigestPart(1, 1, "📰 **Paper digest**", [entry])], 10, 72, false, 0));
            },
            "/digest preview topics:small language models max:3");

        Assert.Equal(("small language models", 3), Assert.Single(asked));
        Assert.Contains("1. TinyStories: How Small Can Language Models Be  [score 8.4/10]", output, StringComparison.Ordinal);
        Assert.Contains("(key sentence from the abstract)", output, StringComparison.Ordinal);
        Assert.Contains("why: closest to your topic “small language models”", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DigestSubscribeInTheConsole_PointsToDiscordAndTheShell()
    {
        var output = await RunAsync((_, _, _) => throw new InvalidOperationException("not called"), "/digest subscribe topics:retrieval");

        Assert.Contains("Subscriptions live in Discord (/digest subscribe) or the shell", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(Func<string, int, CancellationToken, Task<Digest>> preview, params string[] lines)
    {
        var output = new StringWriter();
        var io = new AppIo(new StringReader(string.Join('\n', lines) + "\n"), output, output, IsInteractive: false);
        var console = new InteractiveConsole(new UnusedAssistant(), (_, _, _) => Task.FromResult<IReadOnlyList<SearchHit>>([]), io, digestPreview: preview);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await console.RunAsync(timeout.Token));
        return output.ToString();
    }

    private sealed class UnusedAssistant : IPaperAssistant
    {
        public Task<AssistantAnswer> AskAsync(AskRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AskRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SummaryResult> SummarizeAsync(string paper, SummaryLevel level, bool extractiveOnly = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ComparisonResult> CompareAsync(IReadOnlyList<string> papers, bool extractiveOnly = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
