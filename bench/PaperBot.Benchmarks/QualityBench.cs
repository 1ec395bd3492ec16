using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>quality</c>: ranking quality of BM25, embeddings and fusion variants on two question sets.
/// arXiv title → abstract: the 1,000 OAI records indexed by abstract only (the title replaced by the arXiv id), each
/// title the query and its own abstract the one relevant paper. Dev + held-out: the 59 hand-written questions over
/// the sample collection with the 1,000 arXiv records as distractors. Libraries are built once under the temp folder.
/// </summary>
internal static class QualityBench
{
    private static readonly (string Name, FusionMethod Method, int K, double Semantic, double Lexical)[] Variants =
    [
        ("RRF K=60 (before)", FusionMethod.ReciprocalRank, 60, 1, 1),
        ("RRF K=20", FusionMethod.ReciprocalRank, 20, 1, 1),
        ("RRF K=10", FusionMethod.ReciprocalRank, 10, 1, 1),
        ("RRF K=5", FusionMethod.ReciprocalRank, 5, 1, 1),
        ("RRF K=1", FusionMethod.ReciprocalRank, 1, 1, 1),
        ("RRF K=10, lexical 0.7", FusionMethod.ReciprocalRank, 10, 1, 0.7),
        ("RRF K=10, lexical 1.5", FusionMethod.ReciprocalRank, 10, 1, 1.5),
        ("score, semantic 0.3 / lexical 0.7", FusionMethod.NormalizedScore, 60, 0.3, 0.7),
        ("score, semantic 0.4 / lexical 0.6", FusionMethod.NormalizedScore, 60, 0.4, 0.6),
        ("score, semantic 0.5 / lexical 0.5", FusionMethod.NormalizedScore, 60, 0.5, 0.5),
        ("score, semantic 0.6 / lexical 0.4", FusionMethod.NormalizedScore, 60, 0.6, 0.4),
        ("score, semantic 0.7 / lexical 0.3", FusionMethod.NormalizedScore, 60, 0.7, 0.3),
        ("z-score, semantic 0.3 / lexical 0.7", FusionMethod.StandardScore, 60, 0.3, 0.7),
        ("z-score, semantic 0.4 / lexical 0.6", FusionMethod.StandardScore, 60, 0.4, 0.6),
        ("z-score, semantic 0.5 / lexical 0.5", FusionMethod.StandardScore, 60, 0.5, 0.5),
        ("z-score, semantic 0.6 / lexical 0.4", FusionMethod.StandardScore, 60, 0.6, 0.4),
        ("CombMNZ, semantic 0.4 / lexical 0.6", FusionMethod.NormalizedScoreTimesHits, 60, 0.4, 0.6),
        ("CombMNZ, semantic 0.5 / lexical 0.5", FusionMethod.NormalizedScoreTimesHits, 60, 0.5, 0.5),
    ];

    /// <summary>
    /// Semantic rankings computed here, besides the library's own (the configured model through the product's vector
    /// index): each model's passage vectors (cached beside the library) and query vectors, scanned exactly in float32.
    /// </summary>
    private static readonly (string Name, string Model, EmbeddingPrecision Precision)[] Sides =
    [
        ("MiniLM", "MiniLM", EmbeddingPrecision.Full),
        ("MiniLM int8 weights", "MiniLM", EmbeddingPrecision.Quantized),
        ("ArcticXs", "ArcticXs", EmbeddingPrecision.Full),
        ("ArcticXs int8 weights", "ArcticXs", EmbeddingPrecision.Quantized),
    ];

    /// <param name="model">The library's model (<see cref="EmbeddingOptions.LocalModel"/>); the extra semantic rankings
    /// are computed only beside the default, MiniLM.</param>
    public static async Task RunAsync(string? cacheFolder, bool approximate, string model, EmbeddingPrecision precision)
    {
        var searchOptions = approximate ? new SearchOptions { ApproximateFromPassages = 0 } : new SearchOptions();
        var isDefault = model == new EmbeddingOptions().LocalModel && precision == EmbeddingPrecision.Full;
        var folder = cacheFolder ?? Path.Combine(Path.GetTempPath(), isDefault ? "paperbot-bench-quality" : $"paperbot-bench-quality-{model}-{precision}");
        using var generator = new LocalEmbeddingGenerator(
            Options.Create(new EmbeddingOptions { LocalModel = model, Precision = precision }), NullLogger<LocalEmbeddingGenerator>.Instance);
        var sideGenerators = Sides.Where(_ => isDefault).Select(s => new LocalEmbeddingGenerator(
            Options.Create(new EmbeddingOptions { LocalModel = s.Model, Precision = s.Precision }), NullLogger<LocalEmbeddingGenerator>.Instance)).ToArray();
        try
        {
            var arxiv = ArxivRecords();
            var arxivSet = await CollectAsync(generator, sideGenerators, searchOptions, Path.Combine(folder, "arxiv-abstracts", "library.db"), async ingestor =>
            {
                // JSON Lines with the arXiv id as the title: the abstract is indexed without the words of its title.
                var jsonl = Path.Combine(folder, "arxiv-abstracts", "abstracts.jsonl");
                await File.WriteAllLinesAsync(jsonl, arxiv.Select(r => JsonSerializer.Serialize(new { id = r.Id, title = r.Id, @abstract = r.Abstract })));
                await ingestor.IngestAsync(jsonl);
            }, [.. arxiv.Select(r => (r.Title, new[] { r.Id })), .. arxiv.Select(r => (ShortQuery(r.Title), new[] { r.Id }))], byTitle: false);
            var arxivShort = arxivSet.Skip(arxiv.Count).ToList();
            arxivSet = arxivSet.Take(arxiv.Count).ToList();

            var devQuestions = Questions("dev-questions.jsonl");
            var heldOut = Questions("heldout-questions.jsonl");
            var devSet = await CollectAsync(generator, sideGenerators, searchOptions, Path.Combine(folder, "dev", "library.db"), async ingestor =>
            {
                await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "samples", "hf-papers-page-sample.txt"));
                await ingestor.IngestAsync(Fixture("arxiv-oai-arxivraw-1000.xml"));
            }, [.. devQuestions, .. heldOut], byTitle: true);

            Console.WriteLine();
            Console.WriteLine($"| ranking | arXiv title → abstract nDCG@10 | recall@100 | MRR@10 | every other title word nDCG@10 | recall@100 | dev + held-out nDCG@10 | top-1 (of {devSet.Count}) | top-5 | dev missed top-1 | held-out missed top-1 |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            void Row(string name, Func<Query, IReadOnlyList<(int Index, double Score)>> rank) =>
                Print(name, arxivSet, arxivShort, devSet, devQuestions.Count, rank);

            Row("BM25 alone", q => q.Candidates.Lexical);
            Row($"embeddings alone (library: {model} {precision}, product's vector index)", q => q.Candidates.Semantic);
            foreach (var (name, method, k, semantic, lexical) in Variants)
            {
                Row(name, q => RankFusion.Fuse(method, k, semantic, lexical, q.Candidates.Semantic, q.Candidates.Lexical));
            }

            if (model == LocalEmbeddingModels.Ensemble)
            {
                // Each model's own ranking from the one ensemble index: the query with the other model's half zeroed
                // scores every passage by that model's cosine alone (halved), so the three-way fusion needs no second index.
                var miniLM = QueryHalves(arxivSet, arxivShort, devSet, 0);
                var arctic = QueryHalves(arxivSet, arxivShort, devSet, 1);
                Row("MiniLM half of the ensemble index alone", q => miniLM[q]);
                Row("ArcticXs half of the ensemble index alone", q => arctic[q]);
                foreach (var method in new[] { FusionMethod.NormalizedScore, FusionMethod.StandardScore })
                {
                    foreach (var (miniWeight, arcticWeight, lexicalWeight) in new[] { (0.2, 0.2, 0.6), (0.2, 0.3, 0.5), (0.25, 0.25, 0.5), (0.3, 0.3, 0.4) })
                    {
                        Row(string.Create(CultureInfo.InvariantCulture, $"three-way {method} from the ensemble index: MiniLM {miniWeight} / ArcticXs {arcticWeight} / BM25 {lexicalWeight}"),
                            q => RankFusion.Fuse(method, 60, [(miniLM[q], miniWeight), (arctic[q], arcticWeight), (q.Candidates.Lexical, lexicalWeight)]));
                    }
                }
            }

            if (!isDefault)
            {
                return;
            }

            for (var s = 0; s < Sides.Length; s++)
            {
                var side = s;
                Row($"embeddings alone: {Sides[side].Name}, exact float32", q => q.Sides[side]);
            }

            Row("embeddings alone: MiniLM + ArcticXs, mean cosine", q => q.Ensemble);

            // The semantic side swapped for another model or the two-model ensemble, and three-way fusions.
            foreach (var (name, method, k, semantic, lexical) in Variants.Where(v => v.Method != FusionMethod.ReciprocalRank || v.K == 60 || v.K == 10))
            {
                Row($"ArcticXs + BM25, {name}", q => RankFusion.Fuse(method, k, semantic, lexical, q.Sides[2], q.Candidates.Lexical));
                Row($"MiniLM int8 weights + BM25, {name}", q => RankFusion.Fuse(method, k, semantic, lexical, q.Sides[1], q.Candidates.Lexical));
                Row($"ensemble + BM25, {name}", q => RankFusion.Fuse(method, k, semantic, lexical, q.Ensemble, q.Candidates.Lexical));
            }

            foreach (var method in new[] { FusionMethod.NormalizedScore, FusionMethod.StandardScore, FusionMethod.ReciprocalRank })
            {
                foreach (var (mini, arctic, lexical) in new[] { (0.2, 0.2, 0.6), (0.2, 0.3, 0.5), (0.15, 0.35, 0.5), (0.25, 0.25, 0.5), (0.3, 0.3, 0.4), (0.1, 0.4, 0.5), (0.2, 0.4, 0.4) })
                {
                    Row(string.Create(CultureInfo.InvariantCulture, $"three-way {method}: MiniLM {mini} / ArcticXs {arctic} / BM25 {lexical}"),
                        q => RankFusion.Fuse(method, 10, [(q.Candidates.Semantic, mini), (q.Sides[2], arctic), (q.Candidates.Lexical, lexical)]));
                }
            }
        }
        finally
        {
            foreach (var sideGenerator in sideGenerators)
            {
                sideGenerator.Dispose();
            }
        }
    }

    /// <summary>For every question, the library index's top 200 for the query vector with all but one half zeroed.</summary>
    private static Dictionary<Query, IReadOnlyList<(int Index, double Score)>> QueryHalves(List<Query> arxiv, List<Query> arxivShort, List<Query> dev, int half)
    {
        var rankings = new Dictionary<Query, IReadOnlyList<(int Index, double Score)>>(ReferenceEqualityComparer.Instance);
        foreach (var query in arxiv.Concat(arxivShort).Concat(dev))
        {
            var vector = query.Candidates.QueryVector.ToArray();
            var size = vector.Length / 2;
            Array.Clear(vector, half == 0 ? size : 0, size);
            rankings[query] = [.. query.Candidates.Index.Nearest(vector, new SearchOptions().Candidates).Select(n => (n.Index, (double)n.Similarity))];
        }

        return rankings;
    }

    /// <summary>One question: the library's candidates, its relevant paper ids, and the extra semantic rankings.</summary>
    private sealed record Query(SearchCandidates Candidates, string[] Relevant, IReadOnlyList<(int Index, double Score)>[] Sides, IReadOnlyList<(int Index, double Score)> Ensemble);

    private static void Print(
        string name, List<Query> arxiv, List<Query> arxivShort, List<Query> dev, int devCount,
        Func<Query, IReadOnlyList<(int Index, double Score)>> rank)
    {
        var arxivRanks = arxiv.Select(q => RankOf(q, rank)).ToList();
        var shortRanks = arxivShort.Select(q => RankOf(q, rank)).ToList();
        var devRanks = dev.Select(q => RankOf(q, rank)).ToList();
        var devMisses = devRanks.Take(devCount).Count(r => r != 1);
        var heldOutMisses = devRanks.Skip(devCount).Count(r => r != 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Ndcg10(arxivRanks):F3} | {arxivRanks.Count(r => r <= 100) / (double)arxivRanks.Count:F3} | {Mrr10(arxivRanks):F3} | {Ndcg10(shortRanks):F3} | {shortRanks.Count(r => r <= 100) / (double)shortRanks.Count:F3} | {Ndcg10(devRanks):F3} | {devRanks.Count(r => r == 1)} | {devRanks.Count(r => r <= 5)} | {devMisses} | {heldOutMisses} |"));
    }

    /// <summary>Every other word of a title (the 1st, 3rd, ...): a terse query that shares half its words with the title.</summary>
    internal static string ShortQuery(string title) =>
        string.Join(' ', title.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i % 2 == 0));

    /// <summary>1-based rank of the first relevant paper, or <see cref="int.MaxValue"/> when it is not among the candidates.</summary>
    private static int RankOf(Query query, Func<Query, IReadOnlyList<(int Index, double Score)>> rank)
    {
        var papers = HybridSearch.RankPapers(query.Candidates.Index, rank(query));
        var position = papers.FindIndex(p => query.Relevant.Contains(p.PaperId, StringComparer.Ordinal));
        return position < 0 ? int.MaxValue : position + 1;
    }

    // One relevant paper per query: nDCG@10 is 1 / log2(rank + 1) within the first 10.
    private static double Ndcg10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1 / Math.Log2(r + 1) : 0);

    private static double Mrr10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1.0 / r : 0);

    private static async Task<List<Query>> CollectAsync(
        LocalEmbeddingGenerator generator, LocalEmbeddingGenerator[] sideGenerators, SearchOptions searchOptions, string path,
        Func<PaperIngestor, Task> build, List<(string Query, string[] Relevant)> questions, bool byTitle)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var store = new LibraryStore(Options.Create(new LibraryOptions { Path = path }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var papers = new SqlitePaperStore(store);
        var passages = new SqlitePassageStore(store);
        using var embedder = new PassageEmbedder(generator, passages, NullLogger<PassageEmbedder>.Instance);
        using var search = new HybridSearch(papers, passages, new SqliteLexicalIndex(store), embedder, Options.Create(searchOptions), NullLogger<HybridSearch>.Instance);
        if ((await papers.GetStatsAsync()).Papers == 0)
        {
            var started = Stopwatch.GetTimestamp();
            await build(new PaperIngestor(papers, embedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance));
            Console.WriteLine($"built {path} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        }

        var stats = await papers.GetStatsAsync();
        Console.WriteLine($"library {path}: {stats.Papers:N0} papers, {stats.Passages:N0} passages; {questions.Count} questions");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        if (byTitle)
        {
            foreach (var paper in await papers.ListAsync())
            {
                ids[paper.Title] = paper.Id;
            }
        }

        var candidates = new List<SearchCandidates>(questions.Count);
        foreach (var (query, _) in questions)
        {
            candidates.Add(await search.CandidatesAsync(query, SearchMode.Hybrid, CancellationToken.None)
                ?? throw new InvalidOperationException($"{path} is empty."));
        }

        if (sideGenerators.Length == 0)
        {
            return [.. questions.Select((question, q) => new Query(
                candidates[q], byTitle ? [.. question.Relevant.Select(t => ids.GetValueOrDefault(t, "?"))] : question.Relevant, [], []))];
        }

        var index = candidates[0].Index;
        var texts = await PassageTextsAsync(papers, index);
        var sideRankings = new List<(int Index, double Score)>[sideGenerators.Length][];
        var passageVectors = new float[sideGenerators.Length][][];
        var queryVectors = new float[sideGenerators.Length][][];
        for (var s = 0; s < sideGenerators.Length; s++)
        {
            passageVectors[s] = await CachedVectorsAsync(sideGenerators[s], texts, $"{path}.{Sides[s].Name.Replace(' ', '-')}.vectors");
            var started = Stopwatch.GetTimestamp();
            var embedded = await sideGenerators[s].GenerateAsync(questions.Select(q => q.Query), LocalEmbeddingGenerator.CreateQueryOptions());
            queryVectors[s] = [.. embedded.Select(e => e.Vector.ToArray())];
            sideRankings[s] = [.. queryVectors[s].Select(q => Nearest(passageVectors[s], q))];
            Console.WriteLine($"  {Sides[s].Name}: {questions.Count} queries embedded and ranked in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        }

        // What int8 weights do to each model's passage vectors (side 1 is side 0 with int8 weights, 3 is 2's).
        foreach (var (full, quantized) in new[] { (0, 1), (2, 3) })
        {
            var cosines = Enumerable.Range(0, texts.Length)
                .Select(i => (double)TensorPrimitives.CosineSimilarity(passageVectors[full][i], passageVectors[quantized][i])).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Sides[quantized].Name} vs fp32, cosine over {texts.Length} passages: min {cosines[0]:F4}, 1st percentile {cosines[cosines.Length / 100]:F4}, median {cosines[cosines.Length / 2]:F4}, mean {cosines.Average():F4}"));
        }

        var collected = new List<Query>(questions.Count);
        for (var q = 0; q < questions.Count; q++)
        {
            // The two full-precision models' cosines averaged over every passage: one semantic ranking from both.
            var ensemble = Top(Enumerable.Range(0, texts.Length).Select(i =>
                (i, (double)(TensorPrimitives.Dot(passageVectors[0][i], queryVectors[0][q]) + TensorPrimitives.Dot(passageVectors[2][i], queryVectors[2][q])) / 2)));
            var relevant = questions[q].Relevant;
            collected.Add(new Query(
                candidates[q],
                byTitle ? [.. relevant.Select(t => ids.GetValueOrDefault(t, "?"))] : relevant,
                [.. sideRankings.Select(r => r[q])],
                ensemble));
        }

        return collected;
    }

    /// <summary>The text of every passage of the index, in index order, cut as ingestion cut it.</summary>
    private static async Task<string[]> PassageTextsAsync(IPaperStore store, EmbeddingIndex index)
    {
        var papers = await store.GetManyAsync([.. index.PaperIds.Distinct(StringComparer.Ordinal)]);
        var chunks = papers.ToDictionary(p => p.Id, PassageChunker.Chunk, StringComparer.Ordinal);
        return [.. Enumerable.Range(0, index.Count).Select(i => chunks[index.PaperIds[i]][index.Chunks[i]].Text)];
    }

    private static async Task<float[][]> CachedVectorsAsync(LocalEmbeddingGenerator generator, string[] texts, string cachePath)
    {
        var dimensions = generator.Dimensions;
        if (File.Exists(cachePath) && new FileInfo(cachePath).Length == (long)texts.Length * dimensions * sizeof(float))
        {
            var all = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(cachePath)).ToArray();
            return [.. Enumerable.Range(0, texts.Length).Select(i => all.AsSpan(i * dimensions, dimensions).ToArray())];
        }

        var started = Stopwatch.GetTimestamp();
        var embedded = await generator.GenerateAsync(texts);
        var vectors = embedded.Select(e => e.Vector.ToArray()).ToArray();
        await File.WriteAllBytesAsync(cachePath, MemoryMarshal.AsBytes(vectors.SelectMany(v => v).ToArray().AsSpan()).ToArray());
        Console.WriteLine($"  embedded {texts.Length} passages with {generator.ModelIdentity} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        return vectors;
    }

    private static List<(int Index, double Score)> Nearest(float[][] passages, float[] query) =>
        Top(passages.Select((p, i) => (i, (double)TensorPrimitives.Dot(p, query))));

    /// <summary>The 200 best, as many as the product's rankings contribute before fusion.</summary>
    private static List<(int Index, double Score)> Top(IEnumerable<(int Index, double Score)> scored) =>
        [.. scored.OrderByDescending(s => s.Score).ThenBy(s => s.Index).Take(new SearchOptions().Candidates)];

    /// <summary>The 1,000 arXiv OAI records read by the product's parser: id, title, abstract.</summary>
    internal static List<(string Id, string Title, string Abstract)> ArxivRecords() =>
        [.. PaperIngestor.Parse(File.ReadAllBytes(Fixture("arxiv-oai-arxivraw-1000.xml")), "arxiv", IngestFormat.ArxivOai).Records
            .Where(r => !string.IsNullOrWhiteSpace(r.Id) && !string.IsNullOrWhiteSpace(r.Title) && !string.IsNullOrWhiteSpace(r.Abstract))
            .Select(r => (PaperIds.NormalizeWhitespace(r.Id!), PaperIds.NormalizeWhitespace(r.Title!), PaperIds.NormalizeWhitespace(r.Abstract!)))];

    internal static List<(string Query, string[] Relevant)> Questions(string file) =>
        [.. File.ReadLines(Fixture(file))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("query").GetString()!, e.GetProperty("relevant_titles").EnumerateArray().Select(t => t.GetString()!).ToArray()))];

    private static string Fixture(string name) => Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", name);
}
