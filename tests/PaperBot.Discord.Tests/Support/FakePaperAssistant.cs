using PaperBot.Core.Assistant;

namespace PaperBot.Discord.Tests.Support;

/// <summary>A hand-written IPaperAssistant: answers are built from the request so tests can tell them apart.</summary>
internal sealed class FakePaperAssistant : IPaperAssistant
{
    public Func<AskRequest, CancellationToken, Task<AssistantAnswer>> Ask { get; set; } = (request, _) => Task.FromResult(
        new AssistantAnswer(
            $"Answer to '{request.Question}': small models trained on simple stories write fluent text [1].",
            AnswerMode.Generated,
            [new Citation(1, "2305.07759", "TinyStories: How Small Can Language Models Be", "https://arxiv.org/abs/2305.07759")],
            []));

    public Func<string, SummaryLevel, CancellationToken, Task<SummaryResult>> Summarize { get; set; } = (paper, level, _) => Task.FromResult(
        new SummaryResult(paper, $"Title of {paper}", $"https://arxiv.org/abs/{paper}", level, AnswerMode.Extractive, $"Summary of {paper} at {level}.", FromCache: false));

    public Func<IReadOnlyList<string>, CancellationToken, Task<ComparisonResult>> Compare { get; set; } = (papers, _) => Task.FromResult(
        new ComparisonResult(
            papers.Select((p, i) => new PaperReference(p, $"Paper {p}", $"https://arxiv.org/abs/{p}", 1.0 - (i * 0.1))).ToList(),
            new[] { "Problem", "Method", "Data", "Results", "Limitations" }.Select(a => new ComparisonRow(a, papers.Select(p => $"{a} of {p}").ToList())).ToList(),
            "They differ in data.",
            AnswerMode.Generated));

    public List<string> Calls { get; } = [];

    /// <summary>Every ask request, with its history and mode, in order.</summary>
    public List<AskRequest> Requests { get; } = [];

    /// <summary>When set, streams the answer instead of yielding it whole.</summary>
    public Func<AskRequest, CancellationToken, IAsyncEnumerable<AnswerUpdate>>? Stream { get; set; }

    /// <summary>Model tokens each model-backed call reports spending (as the endpoint would).</summary>
    public long TokensPerCall { get; set; }

    public Task<AssistantAnswer> AskAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add("ask:" + request.Question);
            Requests.Add(request);
        }

        RecordTokens(request.ExtractiveOnly);

        return Ask(request, cancellationToken);
    }

    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AskRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Stream is { } stream)
        {
            lock (Calls)
            {
                Calls.Add("ask:" + request.Question);
                Requests.Add(request);
            }

            await foreach (var update in stream(request, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var answer = await AskAsync(request, cancellationToken);
        yield return new AnswerUpdate(answer.Text);
        yield return new AnswerUpdate("", answer);
    }

    public Task<SummaryResult> SummarizeAsync(string paper, SummaryLevel level, bool extractiveOnly = false, CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add($"summarize:{paper}:{level}{(extractiveOnly ? ":extractive" : "")}");
        }

        RecordTokens(extractiveOnly);

        return Summarize(paper, level, cancellationToken);
    }

    public Task<ComparisonResult> CompareAsync(IReadOnlyList<string> papers, bool extractiveOnly = false, CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add("compare:" + string.Join(",", papers) + (extractiveOnly ? ":extractive" : ""));
        }

        RecordTokens(extractiveOnly);

        return Compare(papers, cancellationToken);
    }

    private void RecordTokens(bool extractiveOnly)
    {
        if (!extractiveOnly)
        {
            PaperBot.Core.Usage.TokenUsageScope.Record(TokensPerCall / 2, TokensPerCall - (TokensPerCall / 2));
        }
    }
}
