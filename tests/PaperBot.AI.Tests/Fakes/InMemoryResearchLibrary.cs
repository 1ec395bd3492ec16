using System.Collections.Concurrent;
using PaperBot.AI.Assistant;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Tests.Fakes;

/// <summary>
/// The sample collection in memory, searched by cosine similarity of <see cref="HashingEmbeddingGenerator"/>
/// vectors (Core's hybrid search stands behind the same seam in the app).
/// </summary>
internal sealed class InMemoryResearchLibrary : IResearchLibrary
{
    private readonly List<Paper> _papers;
    private readonly List<(Paper Paper, Passage Passage, float[] Vector)> _passages;

    public InMemoryResearchLibrary(IEnumerable<Paper> papers)
    {
        _papers = papers.ToList();
        _passages = _papers
            .Select(p => (p, new Passage(p.Id, 0, p.Title + ". " + p.Abstract)))
            .Select(x => (x.p, x.Item2, HashingEmbeddingGenerator.Embed(x.Item2.Text)))
            .ToList();
    }

    public ConcurrentDictionary<SummaryCacheKey, string> SummaryCache { get; } = new();

    public List<string> Queries { get; } = [];

    public IReadOnlyList<Paper> Papers => _papers;

    /// <summary>The 72 papers of samples/hf-papers-page-sample.txt: a header, then title and abstract paragraphs.</summary>
    public static InMemoryResearchLibrary FromSample(params Paper[] extra)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "hf-papers-page-sample.txt"));
        var paragraphs = text.Split(["\n\n", "\r\n\r\n"], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var papers = new List<Paper>();
        for (var i = 5; i + 1 < paragraphs.Length; i += 2)
        {
            papers.Add(NewPaper(PaperIds.SlugFromTitle(paragraphs[i]), paragraphs[i], paragraphs[i + 1]));
        }

        papers.AddRange(extra);
        return new InMemoryResearchLibrary(papers);
    }

    public static Paper NewPaper(string id, string title, string abstractText) =>
        new(id, PaperIds.NormalizeWhitespace(title), [], PaperIds.NormalizeWhitespace(abstractText), null, [], null, null, DateTimeOffset.UnixEpoch);

    public Paper ByTitle(string titleStart) => _papers.Single(p => p.Title.StartsWith(titleStart, StringComparison.OrdinalIgnoreCase));

    public Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken)
    {
        var exact = _papers.FirstOrDefault(p => p.Id == reference);
        if (exact is not null)
        {
            return Task.FromResult(exact);
        }

        var matches = _papers.Where(p => p.Title.StartsWith(reference, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1
            ? Task.FromResult(matches[0])
            : throw new PaperLookupException(reference, matches.Count > 0 ? matches : _papers.Where(p => p.Title.Contains(reference, StringComparison.OrdinalIgnoreCase)).ToList());
    }

    public Task<IReadOnlyList<Paper>> ListRecentAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Paper>>(_papers.AsEnumerable().Reverse().Take(limit).ToList());

    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken)
    {
        Queries.Add(query);
        var hits = Rank(query).Take(top).Select(x => new SearchHit(x.Paper, x.Score, x.Score, x.Passage)).ToList();
        return Task.FromResult<IReadOnlyList<SearchHit>>(hits);
    }

    public Task<IReadOnlyList<PassageHit>> SearchPassagesAsync(string query, int top, CancellationToken cancellationToken)
    {
        Queries.Add(query);
        var hits = Rank(query).Take(top).Select(x => new PassageHit(x.Paper, x.Passage, x.Score, x.Score)).ToList();
        return Task.FromResult<IReadOnlyList<PassageHit>>(hits);
    }

    public Task<string?> GetCachedSummaryAsync(SummaryCacheKey key, CancellationToken cancellationToken) =>
        Task.FromResult(SummaryCache.TryGetValue(key, out var text) ? text : null);

    public Task SetCachedSummaryAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken)
    {
        SummaryCache[key] = text;
        return Task.CompletedTask;
    }

    public Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken)
    {
        var words = _passages.Select(p => p.Passage.Text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList();
        var counts = terms.Select(t => (long)words.Count(w => w.Any(x => x.TrimStart('(', '"').StartsWith(t, StringComparison.Ordinal)))).ToList();
        return Task.FromResult(new PassageTermCounts(_passages.Count, counts));
    }

    private IEnumerable<(Paper Paper, Passage Passage, double Score)> Rank(string query)
    {
        var q = HashingEmbeddingGenerator.Embed(query);
        return _passages
            .Select(p => (p.Paper, p.Passage, Score: (double)q.Zip(p.Vector, (a, b) => a * b).Sum()))
            .OrderByDescending(x => x.Score);
    }
}
