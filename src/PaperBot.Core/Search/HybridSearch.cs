using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// Hybrid search: BM25 over titles, abstracts and full-text chunks (<see cref="ILexicalIndex"/>), fused (normalised scores or
/// reciprocal rank, <see cref="SearchOptions.Fusion"/>) with cosine similarity from the embedding model over an in-memory index.
/// The index follows the library's change sequence (also changes made by another process): it applies only the papers
/// that changed, and loads afresh only on its first use, a new embedding model, or a change too large to apply.
/// </summary>
public sealed partial class HybridSearch : IDisposable
{
    private const int MinPrefixLength = 5;
    private const long PostingBudget = 4000;
    internal const int PruneFromPassages = 20_000;

    /// <summary>More changes than this since the index was built are loaded afresh rather than applied one paper at a time.</summary>
    internal const int MaxChangesToApply = 5_000;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "in", "into", "is",
        "it", "its", "of", "on", "or", "that", "the", "their", "them", "this", "to", "use", "used", "using", "what",
        "when", "which", "who", "why", "with", "paper", "papers", "about", "instead", "than", "there", "these", "they",
    };

    private readonly IPaperStore _papers;
    private readonly IPassageStore _passages;
    private readonly ILexicalIndex _lexical;
    private readonly PassageEmbedder _embedder;
    private readonly SearchOptions _options;
    private readonly ILogger<HybridSearch> _logger;
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private EmbeddingIndex? _index;
    private HnswVectorIndex? _approximate;
    private int _fullLoads;
    private long _changesApplied;

    public HybridSearch(
        IPaperStore papers, IPassageStore passages, ILexicalIndex lexical, PassageEmbedder embedder, IOptions<SearchOptions> options, ILogger<HybridSearch> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _papers = papers;
        _passages = passages;
        _lexical = lexical;
        _embedder = embedder;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>How many times the in-memory index was loaded from the whole library.</summary>
    internal int FullLoads => Volatile.Read(ref _fullLoads);

    /// <summary>How many library changes were applied to the in-memory index in place.</summary>
    internal long ChangesApplied => Interlocked.Read(ref _changesApplied);

    public void Dispose()
    {
        _approximate?.Dispose();
        _loadLock.Dispose();
    }

    /// <summary>
    /// Drops the vector index saved beside the library and builds it again from the stored vectors (a changed model is
    /// noticed on its own; this is for a damaged or suspect index). Returns the number of passages indexed.
    /// </summary>
    public async Task<int> RebuildVectorIndexAsync(CancellationToken cancellationToken = default)
    {
        await _loadLock.WaitAsync(cancellationToken);
        try
        {
            _approximate?.Dispose();
            _approximate = null;
            _index = null;
            HnswVectorIndex.Delete(_passages.IndexFilePrefix);
        }
        finally
        {
            _loadLock.Release();
        }

        return (await GetIndexAsync(cancellationToken)).Count;
    }

    /// <summary>The best <paramref name="top"/> papers for a query.</summary>
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken = default) =>
        SearchAsync(query, top, SearchMode.Hybrid, cancellationToken);

    /// <summary>The best <paramref name="top"/> papers for a query, with a chosen ranking (for measuring).</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, SearchMode mode, CancellationToken cancellationToken = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await SearchPapersAsync(query, top, mode, cancellationToken);
        }
        finally
        {
            RecordDuration(started, mode);
        }
    }

    private static void RecordDuration(long started, SearchMode mode) =>
        Telemetry.CoreMetrics.SearchDuration.Record(
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("ranking", mode.ToString().ToLowerInvariant()));

    private async Task<IReadOnlyList<SearchHit>> SearchPapersAsync(string query, int top, SearchMode mode, CancellationToken cancellationToken)
    {
        var ranked = await RankPassagesAsync(query, mode, cancellationToken);
        if (ranked is null)
        {
            return [];
        }

        var (index, queryVector, fused, exact) = ranked.Value;

        var topPapers = RankPapers(index, fused).Take(Math.Max(0, top)).ToList();
        var papers = (await _papers.GetManyAsync([.. topPapers.Select(p => p.PaperId)], cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (exact is not null)
        {
            await AddExactSimilaritiesAsync(index, queryVector, topPapers.SelectMany(p => index.PassagesOf(p.PaperId)), exact, cancellationToken);
        }

        var hits = new List<SearchHit>(topPapers.Count);
        foreach (var (paperId, i, score) in topPapers)
        {
            if (!papers.TryGetValue(paperId, out var paper))
            {
                continue; // removed since the index was loaded
            }

            var similarity = index.PassagesOf(paperId).Max(p => Similarity(index, p, queryVector, exact));
            hits.Add(new SearchHit(paper, score, similarity, await ReadPassageAsync(index.RowIds[i], cancellationToken)));
        }

        return hits;
    }

    /// <summary>The best <paramref name="top"/> passages (abstracts and full-text chunks) for a query.</summary>
    public async Task<IReadOnlyList<PassageHit>> SearchPassagesAsync(string query, int top, CancellationToken cancellationToken = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await FindPassagesAsync(query, top, cancellationToken);
        }
        finally
        {
            RecordDuration(started, SearchMode.Hybrid);
        }
    }

    private async Task<IReadOnlyList<PassageHit>> FindPassagesAsync(string query, int top, CancellationToken cancellationToken)
    {
        var ranked = await RankPassagesAsync(query, SearchMode.Hybrid, cancellationToken);
        if (ranked is null)
        {
            return [];
        }

        var (index, queryVector, fused, exact) = ranked.Value;
        var chosen = fused.Take(Math.Max(0, top)).ToList();
        var papers = (await _papers.GetManyAsync([.. chosen.Select(c => index.PaperIds[c.Index]).Distinct()], cancellationToken))
            .ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (exact is not null)
        {
            await AddExactSimilaritiesAsync(index, queryVector, chosen.Select(c => c.Index), exact, cancellationToken);
        }

        var hits = new List<PassageHit>(chosen.Count);
        foreach (var (i, score) in chosen)
        {
            if (papers.TryGetValue(index.PaperIds[i], out var paper))
            {
                hits.Add(new PassageHit(paper, await ReadPassageAsync(index.RowIds[i], cancellationToken), score, Similarity(index, i, queryVector, exact)));
            }
        }

        return hits;
    }

    /// <summary>Loads (or reloads after a change) the in-memory index; the first search does this on its own.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        await GetIndexAsync(cancellationToken);
        await _embedder.EmbedQueryAsync("warm up", cancellationToken);
    }

    private async Task<(EmbeddingIndex Index, float[] QueryVector, List<(int Index, double Score)> Fused, Dictionary<int, float>? Exact)?> RankPassagesAsync(
        string query, SearchMode mode, CancellationToken cancellationToken)
    {
        var candidates = await CandidatesAsync(query, mode, cancellationToken);
        if (candidates is null)
        {
            return null;
        }

        var fused = RankFusion.Fuse(_options.Fusion, _options.FusionK, _options.SemanticWeight, _options.LexicalWeight, candidates.Semantic, candidates.Lexical);
        var exact = candidates.ExactSimilarities is { } known ? new Dictionary<int, float>(known) : null;
        return (candidates.Index, candidates.QueryVector, fused, exact);
    }

    private static float Similarity(EmbeddingIndex index, int passage, ReadOnlySpan<float> query, Dictionary<int, float>? exact) =>
        exact is not null && exact.TryGetValue(passage, out var similarity) ? similarity : index.Similarity(passage, query);

    /// <summary>
    /// The float32 cosine of <paramref name="passages"/> (indexes into <paramref name="index"/>) not in <paramref name="exact"/>
    /// yet, from their stored vectors, read in one store call; passages gone from the library are left out.
    /// </summary>
    private async Task AddExactSimilaritiesAsync(
        EmbeddingIndex index, float[] query, IEnumerable<int> passages, Dictionary<int, float> exact, CancellationToken cancellationToken)
    {
        var missing = passages.Where(i => !exact.ContainsKey(i)).Distinct().Select(i => index.RowIds[i]).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        foreach (var stored in await _passages.ReadVectorsAsync(missing, cancellationToken))
        {
            if (stored.Vector is { } vector && vector.Length == query.Length && index.TryGetIndex(stored.Id, out var i))
            {
                exact[i] = TensorPrimitives.Dot(vector, query); // stored vectors are unit length: the dot product is the cosine
            }
        }
    }

    /// <summary>
    /// The approximate (int8 or HNSW) embedding ranking re-scored with the candidates' float32 vectors and re-sorted,
    /// best first: the order and the similarities are exact for these candidates. A candidate without a stored vector
    /// (removed since the index was loaded) is dropped.
    /// </summary>
    private async Task<(List<(int Index, double Score)> Ranking, Dictionary<int, float> Exact)> RerankAsync(
        EmbeddingIndex index, float[] query, List<(int Index, double Score)> approximate, CancellationToken cancellationToken)
    {
        var exact = new Dictionary<int, float>(approximate.Count);
        await AddExactSimilaritiesAsync(index, query, approximate.Select(c => c.Index), exact, cancellationToken);
        var ranking = approximate
            .Where(c => exact.ContainsKey(c.Index))
            .Select(c => (c.Index, Score: (double)exact[c.Index]))
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Index)
            .ToList();
        return (ranking, exact);
    }

    /// <summary>
    /// The two rankings before fusion: the embedding ranking (cosine similarity) and the BM25 ranking (the lexical
    /// index's score, higher is better), each at most <see cref="SearchOptions.Candidates"/> passages, best first.
    /// </summary>
    internal async Task<SearchCandidates?> CandidatesAsync(string query, SearchMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query = PaperIds.NormalizeWhitespace(query);
        if (query.Length == 0)
        {
            throw new UserFacingException("The search query is empty.");
        }

        var index = await GetIndexAsync(cancellationToken);
        if (index.Count == 0)
        {
            return null;
        }

        // BM25 in the lexical index and the query embedding + vector scan run at the same time, on separate cores.
        var lexical = mode == SearchMode.SemanticOnly
            ? Task.FromResult<IReadOnlyList<(long PassageId, double Score)>>([])
            : Task.Run(() => LexicalAsync(index, query, _options.Candidates, cancellationToken), cancellationToken);
        var queryVector = await _embedder.EmbedQueryAsync(query, cancellationToken);
        var semantic = new List<(int Index, double Score)>();
        if (mode != SearchMode.LexicalOnly)
        {
            foreach (var (i, similarity) in index.Nearest(queryVector, _options.Candidates, _options.GraphCandidates))
            {
                semantic.Add((i, similarity));
            }
        }

        Dictionary<int, float>? exact = null;
        if (!index.IsExact && (_options.ExactRerank == ExactRerank.All || (_options.ExactRerank == ExactRerank.Scan && !index.IsApproximate)))
        {
            (semantic, exact) = await RerankAsync(index, queryVector, semantic, cancellationToken);
        }

        var lexicalRanking = new List<(int Index, double Score)>();
        foreach (var (rowId, score) in await lexical)
        {
            if (index.TryGetIndex(rowId, out var i))
            {
                lexicalRanking.Add((i, score));
            }
        }

        return new SearchCandidates(index, queryVector, semantic, lexicalRanking, exact);
    }

    /// <summary>Papers in order of their best passage's fused score: a paper is as relevant as its best chunk.</summary>
    internal static List<(string PaperId, int Index, double Score)> RankPapers(EmbeddingIndex index, IEnumerable<(int Index, double Score)> fused)
    {
        var best = new Dictionary<string, (int Index, double Score)>(StringComparer.Ordinal);
        foreach (var (i, score) in fused)
        {
            var paperId = index.PaperIds[i];
            if (!best.TryGetValue(paperId, out var current) || score > current.Score)
            {
                best[paperId] = (i, score);
            }
        }

        return [.. best.Select(kv => (kv.Key, kv.Value.Index, kv.Value.Score)).OrderByDescending(p => p.Score).ThenBy(p => p.Key, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<(long PassageId, double Score)>> LexicalAsync(EmbeddingIndex index, string query, int limit, CancellationToken cancellationToken)
    {
        var terms = QueryTerms(query);
        if (terms.Count == 0)
        {
            return [];
        }

        var planned = index.Count < PruneFromPassages || (long)index.Count * terms.Count <= PostingBudget
            ? ToLexicalQuery(terms) // small libraries rank every word: BM25 over them costs a few milliseconds
            : PlanLargeQuery(index.Terms, await _lexical.StemAsync(terms, cancellationToken));
        return await _lexical.SearchAsync(planned, limit, cancellationToken);
    }

    /// <summary>Words of the query without stop words; longer words also match as prefixes. Null when no word is left.</summary>
    internal static LexicalQuery? ToLexicalQuery(string query) => QueryTerms(query) is { Count: > 0 } terms ? ToLexicalQuery(terms) : null;

    // Prefix matching on longer words: the porter stemmer alone leaves "telecom" apart from "telecommunications".
    private static LexicalQuery ToLexicalQuery(List<string> terms) =>
        new([.. terms.Select(w => new LexicalTerm(w, w.Length >= MinPrefixLength))]);

    internal static List<string> QueryTerms(string query) =>
        [.. WordRegex().Matches(query)
            .Select(m => m.Value.ToLowerInvariant())
            .Where(w => w.Length > 1 && !StopWords.Contains(w))
            .Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Bounds the cost of BM25 on a large library: FTS5 scores every passage holding any query word (about 7 µs each),
    /// so the rarest words are kept while their passages add up to at most <see cref="PostingBudget"/>; the words left
    /// out are the common ones ("language", "model" in an LLM collection) that BM25 weighs least. The rarest word always
    /// stays. Costs are exact: each word's stem (from the lexical index's own tokenizer) looked up in its vocabulary, and
    /// a word is matched as a prefix only when that adds little ("generalization"* is gener* and matches "generate").
    /// </summary>
    internal static LexicalQuery PlanLargeQuery(TermStatistics statistics, List<(string Word, string Stem)> terms)
    {
        var costed = new List<(string Word, bool Prefix, long Passages)>(terms.Count);
        foreach (var (word, stem) in terms)
        {
            var exact = statistics.Documents(stem);
            var prefixed = word.Length >= MinPrefixLength ? statistics.PrefixDocuments(stem) : exact;
            var prefix = word.Length >= MinPrefixLength && prefixed <= 2 * Math.Max(exact, 1);
            costed.Add((word, prefix, prefix ? prefixed : exact));
        }

        var kept = new List<LexicalTerm>();
        long postings = 0;
        foreach (var (word, prefix, passages) in costed.OrderBy(c => c.Passages).ThenBy(c => c.Word, StringComparer.Ordinal))
        {
            postings += passages;
            if (kept.Count > 0 && postings > PostingBudget)
            {
                break;
            }

            kept.Add(new LexicalTerm(word, prefix));
        }

        return new LexicalQuery(kept);
    }

    private async Task<EmbeddingIndex> GetIndexAsync(CancellationToken cancellationToken)
    {
        var latest = await _papers.GetLatestChangeAsync(cancellationToken);
        var index = _index;
        if (index is not null && index.Sequence == latest)
        {
            return index;
        }

        await _loadLock.WaitAsync(cancellationToken);
        try
        {
            if (await _embedder.EnsureCurrentAsync(null, cancellationToken) > 0)
            {
                latest = await _papers.GetLatestChangeAsync(cancellationToken);
            }

            if (_index is { } loaded)
            {
                if (loaded.Sequence == latest)
                {
                    return loaded;
                }

                if (await CatchUpAsync(loaded, cancellationToken) is { } caughtUp)
                {
                    return _index = caughtUp;
                }
            }

            return _index = await LoadAsync(latest, cancellationToken);
        }
        finally
        {
            _loadLock.Release();
        }
    }

    /// <summary>
    /// The index with the library's changes since it was built applied in place, reading only the changed papers'
    /// passages; null when a fresh load is the right thing (many changes, a new model, or a switch between the exact
    /// scan and the graph).
    /// </summary>
    private async Task<EmbeddingIndex?> CatchUpAsync(EmbeddingIndex index, CancellationToken cancellationToken)
    {
        var changes = await _papers.GetChangesSinceAsync(index.Sequence, MaxChangesToApply + 1, cancellationToken);
        if (changes.Count == 0 || changes.Count > MaxChangesToApply)
        {
            return null;
        }

        var shape = await _passages.GetVectorShapeAsync(cancellationToken);
        var approximate = shape.Passages >= _options.ApproximateFromPassages && shape.Dimensions > 0;
        if (approximate != index.IsApproximate
            || (index.IsApproximate && (_approximate?.Model != _embedder.ModelId || _approximate.Dimensions != shape.Dimensions)))
        {
            return null;
        }

        var changed = changes.Select(c => c.PaperId).ToHashSet(StringComparer.Ordinal);
        var current = await _passages.ReadPaperPassagesAsync(changed, cancellationToken);
        var terms = KeepsTerms(index, shape.Passages) ? index.Terms : await LoadTermsAsync(shape.Passages, cancellationToken);
        var termPassages = ReferenceEquals(terms, index.Terms) ? index.TermPassages : shape.Passages;
        if (index.Apply(changes[^1].Sequence, changed, current, terms, termPassages) is not { } applied)
        {
            return null;
        }

        Interlocked.Add(ref _changesApplied, changes.Count);
        _logger.LogDebug("Search index caught up: {Changes} library changes applied ({Papers} papers)", changes.Count, changed.Count);
        return applied;
    }

    private async Task<EmbeddingIndex> LoadAsync(long sequence, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var shape = await _passages.GetVectorShapeAsync(cancellationToken);
        var terms = await LoadTermsAsync(shape.Passages, cancellationToken);
        EmbeddingIndex index;
        if (shape.Passages >= _options.ApproximateFromPassages && shape.Dimensions > 0)
        {
            if (_approximate is null || _approximate.Model != _embedder.ModelId || _approximate.Dimensions != shape.Dimensions)
            {
                _approximate?.Dispose();
                _approximate = HnswVectorIndex.Open(_passages.IndexFilePrefix, _embedder.ModelId, shape.Dimensions, _logger);
            }

            index = await EmbeddingIndex.LoadApproximateAsync(_passages, sequence, _approximate, terms, shape.Passages, cancellationToken);
        }
        else
        {
            index = await EmbeddingIndex.LoadAsync(_passages, sequence, _options.VectorPrecision, terms, shape.Passages, cancellationToken);
        }

        Interlocked.Increment(ref _fullLoads);
        _logger.IndexLoaded(index.Count, index.IsApproximate ? "HNSW" : _options.VectorPrecision.ToString(), TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        return index;
    }

    // Small libraries rank every query word and need no statistics; planning needs proportions, so statistics within
    // 10% of the library's size are kept.
    private static bool KeepsTerms(EmbeddingIndex index, long passages) =>
        passages < PruneFromPassages
            ? index.TermPassages < PruneFromPassages
            : index.TermPassages >= PruneFromPassages && Math.Abs(index.TermPassages - passages) <= passages / 10;

    private Task<TermStatistics> LoadTermsAsync(long passages, CancellationToken cancellationToken) =>
        passages < PruneFromPassages
            ? Task.FromResult(TermStatistics.Empty)
            : TermStatistics.LoadAsync(_lexical, _passages.IndexFilePrefix, passages, cancellationToken);

    private async Task<Passage> ReadPassageAsync(long passageId, CancellationToken cancellationToken) =>
        await _passages.GetAsync(passageId, cancellationToken) ?? new Passage("", 0, "");

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordRegex();
}

/// <summary>
/// The embedding and BM25 rankings of one query before fusion (passage index into <see cref="Index"/>, score; best first),
/// and the float32 similarities of the semantic candidates when they were re-scored (<see cref="SearchOptions.ExactRerank"/>).
/// </summary>
internal sealed record SearchCandidates(
    EmbeddingIndex Index, float[] QueryVector, IReadOnlyList<(int Index, double Score)> Semantic, IReadOnlyList<(int Index, double Score)> Lexical,
    IReadOnlyDictionary<int, float>? ExactSimilarities = null);
