using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// Hybrid search: SQLite FTS5 BM25 over titles, abstracts and full-text chunks, fused (normalised scores or
/// reciprocal rank, <see cref="SearchOptions.Fusion"/>) with cosine similarity from the embedding model over an in-memory index.
/// The index reloads when the library changes (also when another process changed it).
/// </summary>
public sealed partial class HybridSearch : IDisposable
{
    private const double TitleWeight = 3.0;
    private const double BodyWeight = 1.0;
    private const int MinPrefixLength = 5;
    private const long PostingBudget = 4000;
    internal const int PruneFromPassages = 20_000;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "in", "into", "is",
        "it", "its", "of", "on", "or", "that", "the", "their", "them", "this", "to", "use", "used", "using", "what",
        "when", "which", "who", "why", "with", "paper", "papers", "about", "instead", "than", "there", "these", "they",
    };

    private readonly LibraryStore _store;
    private readonly PassageEmbedder _embedder;
    private readonly SearchOptions _options;
    private readonly ILogger<HybridSearch> _logger;
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private EmbeddingIndex? _index;
    private HnswVectorIndex? _approximate;

    public HybridSearch(LibraryStore store, PassageEmbedder embedder, IOptions<SearchOptions> options, ILogger<HybridSearch> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _embedder = embedder;
        _options = options.Value;
        _logger = logger;
    }

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
            HnswVectorIndex.Delete(_store.FilePath);
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

        var (index, queryVector, fused) = ranked.Value;

        var topPapers = RankPapers(index, fused).Take(Math.Max(0, top)).ToList();
        var papers = (await _store.GetManyAsync([.. topPapers.Select(p => p.PaperId)], cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var hits = new List<SearchHit>(topPapers.Count);
        foreach (var (paperId, i, score) in topPapers)
        {
            if (!papers.TryGetValue(paperId, out var paper))
            {
                continue; // removed since the index was loaded
            }

            var similarity = index.PassagesOf(paperId).Max(p => index.Similarity(p, queryVector));
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

        var (index, queryVector, fused) = ranked.Value;
        var chosen = fused.Take(Math.Max(0, top)).ToList();
        var papers = (await _store.GetManyAsync([.. chosen.Select(c => index.PaperIds[c.Index]).Distinct()], cancellationToken))
            .ToDictionary(p => p.Id, StringComparer.Ordinal);
        var hits = new List<PassageHit>(chosen.Count);
        foreach (var (i, score) in chosen)
        {
            if (papers.TryGetValue(index.PaperIds[i], out var paper))
            {
                hits.Add(new PassageHit(paper, await ReadPassageAsync(index.RowIds[i], cancellationToken), score, index.Similarity(i, queryVector)));
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

    private async Task<(EmbeddingIndex Index, float[] QueryVector, List<(int Index, double Score)> Fused)?> RankPassagesAsync(
        string query, SearchMode mode, CancellationToken cancellationToken)
    {
        var candidates = await CandidatesAsync(query, mode, cancellationToken);
        if (candidates is null)
        {
            return null;
        }

        var fused = RankFusion.Fuse(_options.Fusion, _options.FusionK, _options.SemanticWeight, _options.LexicalWeight, candidates.Semantic, candidates.Lexical);
        return (candidates.Index, candidates.QueryVector, fused);
    }

    /// <summary>
    /// The two rankings before fusion: the embedding ranking (cosine similarity) and the BM25 ranking (FTS5's
    /// bm25 negated, so higher is better), each at most <see cref="SearchOptions.Candidates"/> passages, best first.
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

        // BM25 in SQLite and the query embedding + vector scan run at the same time, on separate cores.
        var lexical = mode == SearchMode.SemanticOnly
            ? Task.FromResult(new List<(long RowId, double Score)>())
            : Task.Run(() => LexicalAsync(index, query, _options.Candidates, cancellationToken), cancellationToken);
        var queryVector = await _embedder.EmbedQueryAsync(query, cancellationToken);
        var semantic = new List<(int Index, double Score)>();
        if (mode != SearchMode.LexicalOnly)
        {
            foreach (var (i, similarity) in index.Nearest(queryVector, _options.Candidates))
            {
                semantic.Add((i, similarity));
            }
        }

        var lexicalRanking = new List<(int Index, double Score)>();
        foreach (var (rowId, score) in await lexical)
        {
            if (index.TryGetIndex(rowId, out var i))
            {
                lexicalRanking.Add((i, score));
            }
        }

        return new SearchCandidates(index, queryVector, semantic, lexicalRanking);
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

    private async Task<List<(long RowId, double Score)>> LexicalAsync(EmbeddingIndex index, string query, int limit, CancellationToken cancellationToken)
    {
        var terms = QueryTerms(query);
        if (terms.Count == 0)
        {
            return [];
        }

        await using var connection = await _store.OpenAsync(cancellationToken);
        var match = index.Count < PruneFromPassages || (long)index.Count * terms.Count <= PostingBudget
            ? ToFtsQuery(terms) // small libraries rank every word: BM25 over them costs a few milliseconds
            : PlanLargeQuery(index.Terms, await StemAsync(connection, terms, cancellationToken));
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rowid, bm25(passages_fts, {TitleWeight}, {BodyWeight}) AS score FROM passages_fts WHERE passages_fts MATCH $q ORDER BY score LIMIT $limit";
        command.Parameters.AddWithValue("$q", match);
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(long, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), -reader.GetDouble(1)));
        }

        return rows;
    }

    /// <summary>Words of the query, each quoted (so FTS5 syntax in user text is inert), joined by OR; longer words also match as prefixes.</summary>
    internal static string? ToFtsQuery(string query) => QueryTerms(query) is { Count: > 0 } terms ? ToFtsQuery(terms) : null;

    // Prefix matching on longer words: the porter stemmer alone leaves "telecom" apart from "telecommunications".
    private static string ToFtsQuery(List<string> terms) =>
        string.Join(" OR ", terms.Select(w => w.Length >= MinPrefixLength ? $"\"{w}\"*" : $"\"{w}\""));

    internal static List<string> QueryTerms(string query) =>
        [.. WordRegex().Matches(query)
            .Select(m => m.Value.ToLowerInvariant())
            .Where(w => w.Length > 1 && !StopWords.Contains(w))
            .Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Bounds the cost of BM25 on a large library: FTS5 scores every passage holding any query word (about 7 µs each),
    /// so the rarest words are kept while their passages add up to at most <see cref="PostingBudget"/>; the words left
    /// out are the common ones ("language", "model" in an LLM collection) that BM25 weighs least. The rarest word always
    /// stays. Costs are exact: each word's porter stem (from FTS5's own tokenizer) looked up in the FTS vocabulary, and
    /// a word is matched as a prefix only when that adds little ("generalization"* is gener* and matches "generate").
    /// </summary>
    internal static string PlanLargeQuery(TermStatistics statistics, List<(string Word, string Stem)> terms)
    {
        var costed = new List<(string Word, bool Prefix, long Passages)>(terms.Count);
        foreach (var (word, stem) in terms)
        {
            var exact = statistics.Documents(stem);
            var prefixed = word.Length >= MinPrefixLength ? statistics.PrefixDocuments(stem) : exact;
            var prefix = word.Length >= MinPrefixLength && prefixed <= 2 * Math.Max(exact, 1);
            costed.Add((word, prefix, prefix ? prefixed : exact));
        }

        var kept = new List<string>();
        long postings = 0;
        foreach (var (word, prefix, passages) in costed.OrderBy(c => c.Passages).ThenBy(c => c.Word, StringComparer.Ordinal))
        {
            postings += passages;
            if (kept.Count > 0 && postings > PostingBudget)
            {
                break;
            }

            kept.Add(prefix ? $"\"{word}\"*" : $"\"{word}\"");
        }

        return string.Join(" OR ", kept);
    }

    /// <summary>The porter stem FTS5 gives each word, from a temporary FTS5 table with the library's tokenizer.</summary>
    internal static async Task<List<(string Word, string Stem)>> StemAsync(SqliteConnection connection, List<string> words, CancellationToken cancellationToken)
    {
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = """
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words USING fts5 (word, tokenize = 'porter unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab (temp, query_words, 'instance');
                DELETE FROM temp.query_words;
                """;
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO temp.query_words (rowid, word) VALUES ($i, $w)";
            var i = insert.Parameters.Add("$i", SqliteType.Integer);
            var w = insert.Parameters.Add("$w", SqliteType.Text);
            for (var k = 0; k < words.Count; k++)
            {
                i.Value = k;
                w.Value = words[k];
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var stems = new string?[words.Count];
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT doc, term FROM temp.query_stems ORDER BY doc, offset";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stems[reader.GetInt32(0)] ??= reader.GetString(1);
            }
        }

        return [.. words.Select((word, k) => (word, stems[k] ?? word))];
    }

    private async Task<EmbeddingIndex> GetIndexAsync(CancellationToken cancellationToken)
    {
        var generation = await _store.GetGenerationAsync(cancellationToken);
        var index = _index;
        if (index is not null && index.Generation == generation)
        {
            return index;
        }

        await _loadLock.WaitAsync(cancellationToken);
        try
        {
            if (await _embedder.EnsureCurrentAsync(null, cancellationToken) > 0)
            {
                generation = await _store.GetGenerationAsync(cancellationToken);
            }

            if (_index is { } loaded && loaded.Generation == generation)
            {
                return loaded;
            }

            var started = TimeProvider.System.GetTimestamp();
            await using var connection = await _store.OpenAsync(cancellationToken);
            var (passages, dimensions) = await EmbeddingIndex.CountAsync(connection, cancellationToken);
            var terms = passages < PruneFromPassages
                ? TermStatistics.Empty // small libraries rank every query word and need no statistics
                : await TermStatistics.LoadAsync(connection, _store.FilePath, passages, cancellationToken);
            if (passages >= _options.ApproximateFromPassages && dimensions > 0)
            {
                if (_approximate is null || _approximate.Model != _embedder.ModelId || _approximate.Dimensions != dimensions)
                {
                    _approximate?.Dispose();
                    _approximate = HnswVectorIndex.Open(_store.FilePath, _embedder.ModelId, dimensions, _logger);
                }

                _index = await EmbeddingIndex.LoadApproximateAsync(connection, generation, _approximate, terms, cancellationToken);
            }
            else
            {
                _index = await EmbeddingIndex.LoadAsync(connection, generation, _options.VectorPrecision, terms, cancellationToken);
            }

            _logger.IndexLoaded(_index.Count, _index.IsApproximate ? "HNSW" : _options.VectorPrecision.ToString(), TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            return _index;
        }
        finally
        {
            _loadLock.Release();
        }
    }

    private async Task<Passage> ReadPassageAsync(long rowId, CancellationToken cancellationToken)
    {
        await using var connection = await _store.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT paper_id, chunk, text FROM passages WHERE rowid = $r";
        command.Parameters.AddWithValue("$r", rowId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Passage(reader.GetString(0), reader.GetInt32(1), reader.GetString(2))
            : new Passage("", 0, "");
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordRegex();
}

/// <summary>The embedding and BM25 rankings of one query before fusion (passage index into <see cref="Index"/>, score; best first).</summary>
internal sealed record SearchCandidates(
    EmbeddingIndex Index, float[] QueryVector, IReadOnlyList<(int Index, double Score)> Semantic, IReadOnlyList<(int Index, double Score)> Lexical);
