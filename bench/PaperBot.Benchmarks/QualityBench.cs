using System.Diagnostics;
using System.Globalization;
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
    ];

    public static async Task RunAsync(string? cacheFolder, bool approximate)
    {
        var searchOptions = approximate ? new SearchOptions { ApproximateFromPassages = 0 } : new SearchOptions();
        var folder = cacheFolder ?? Path.Combine(Path.GetTempPath(), "paperbot-bench-quality");
        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);

        var arxiv = ArxivRecords();
        var arxivSet = await CollectAsync(generator, searchOptions, Path.Combine(folder, "arxiv-abstracts", "library.db"), async ingestor =>
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
        var devSet = await CollectAsync(generator, searchOptions, Path.Combine(folder, "dev", "library.db"), async ingestor =>
        {
            await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "samples", "hf-papers-page-sample.txt"));
            await ingestor.IngestAsync(Fixture("arxiv-oai-arxivraw-1000.xml"));
        }, [.. devQuestions, .. heldOut], byTitle: true);

        Console.WriteLine();
        Console.WriteLine($"| ranking | arXiv title → abstract nDCG@10 | recall@100 | MRR@10 | every other title word nDCG@10 | recall@100 | dev + held-out nDCG@10 | top-1 (of {devSet.Count}) | top-5 | dev missed top-1 | held-out missed top-1 |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        Print("BM25 alone", arxivSet, arxivShort, devSet, devQuestions.Count, c => c.Lexical);
        Print("embeddings alone", arxivSet, arxivShort, devSet, devQuestions.Count, c => c.Semantic);
        foreach (var (name, method, k, semantic, lexical) in Variants)
        {
            Print(name, arxivSet, arxivShort, devSet, devQuestions.Count, c => RankFusion.Fuse(method, k, semantic, lexical, c.Semantic, c.Lexical));
        }
    }

    private static void Print(
        string name, List<(SearchCandidates Candidates, string[] Relevant)> arxiv, List<(SearchCandidates Candidates, string[] Relevant)> arxivShort,
        List<(SearchCandidates Candidates, string[] Relevant)> dev, int devCount,
        Func<SearchCandidates, IReadOnlyList<(int Index, double Score)>> rank)
    {
        var arxivRanks = arxiv.Select(q => RankOf(q.Candidates, q.Relevant, rank)).ToList();
        var shortRanks = arxivShort.Select(q => RankOf(q.Candidates, q.Relevant, rank)).ToList();
        var devRanks = dev.Select(q => RankOf(q.Candidates, q.Relevant, rank)).ToList();
        var devMisses = devRanks.Take(devCount).Count(r => r != 1);
        var heldOutMisses = devRanks.Skip(devCount).Count(r => r != 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Ndcg10(arxivRanks):F3} | {arxivRanks.Count(r => r <= 100) / (double)arxivRanks.Count:F3} | {Mrr10(arxivRanks):F3} | {Ndcg10(shortRanks):F3} | {shortRanks.Count(r => r <= 100) / (double)shortRanks.Count:F3} | {Ndcg10(devRanks):F3} | {devRanks.Count(r => r == 1)} | {devRanks.Count(r => r <= 5)} | {devMisses} | {heldOutMisses} |"));
    }

    /// <summary>Every other word of a title (the 1st, 3rd, ...): a terse query that shares half its words with the title.</summary>
    internal static string ShortQuery(string title) =>
        string.Join(' ', title.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i % 2 == 0));

    /// <summary>1-based rank of the first relevant paper, or <see cref="int.MaxValue"/> when it is not among the candidates.</summary>
    private static int RankOf(SearchCandidates candidates, string[] relevant, Func<SearchCandidates, IReadOnlyList<(int Index, double Score)>> rank)
    {
        var papers = HybridSearch.RankPapers(candidates.Index, rank(candidates));
        var position = papers.FindIndex(p => relevant.Contains(p.PaperId, StringComparer.Ordinal));
        return position < 0 ? int.MaxValue : position + 1;
    }

    // One relevant paper per query: nDCG@10 is 1 / log2(rank + 1) within the first 10.
    private static double Ndcg10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1 / Math.Log2(r + 1) : 0);

    private static double Mrr10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1.0 / r : 0);

    private static async Task<List<(SearchCandidates Candidates, string[] Relevant)>> CollectAsync(
        LocalEmbeddingGenerator generator, SearchOptions searchOptions, string path, Func<PaperIngestor, Task> build, List<(string Query, string[] Relevant)> questions, bool byTitle)
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

        var collected = new List<(SearchCandidates, string[])>(questions.Count);
        foreach (var (query, relevant) in questions)
        {
            var candidates = await search.CandidatesAsync(query, SearchMode.Hybrid, CancellationToken.None)
                ?? throw new InvalidOperationException($"{path} is empty.");
            collected.Add((candidates, byTitle ? [.. relevant.Select(t => ids.GetValueOrDefault(t, "?"))] : relevant));
        }

        return collected;
    }

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
