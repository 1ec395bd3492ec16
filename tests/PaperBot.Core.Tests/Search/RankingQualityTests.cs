using System.Globalization;
using System.Text.Json;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;
using Xunit.Abstractions;

namespace PaperBot.Core.Tests.Search;

/// <summary>
/// The first 300 arXiv OAI records indexed by abstract only (title replaced by the arXiv id): each title, and every
/// other word of it, is a query whose one relevant paper is its own abstract. The full benchmark (1,000 records,
/// fusion variants) is <c>bench -- quality</c>.
/// </summary>
public sealed class ArxivAbstractLibraryFixture : IAsyncLifetime
{
    private const int Records = 300;

    public TestLibrary Library { get; } = new();

    public List<(string Title, string Id)> Papers { get; } = [];

    public async Task InitializeAsync()
    {
        var parsed = PaperIngestor.Parse(TestData.Bytes(TestData.Fixture("arxiv-oai-arxivraw-1000.xml")), "arxiv", IngestFormat.ArxivOai);
        foreach (var record in parsed.Records.Where(r => r.Id is not null && r.Title is not null && r.Abstract is not null).Take(Records))
        {
            Papers.Add((PaperIds.NormalizeWhitespace(record.Title!), PaperIds.NormalizeWhitespace(record.Id!)));
        }

        var abstracts = parsed.Records.Where(r => r.Id is not null && r.Title is not null && r.Abstract is not null).Take(Records)
            .Select(r => JsonSerializer.Serialize(new { id = PaperIds.NormalizeWhitespace(r.Id!), title = PaperIds.NormalizeWhitespace(r.Id!), @abstract = r.Abstract }));
        await Library.Ingestor.IngestAsync(Library.WriteFile("abstracts.jsonl", string.Join('\n', abstracts)));
    }

    public Task DisposeAsync()
    {
        Library.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class RankingQualityTests(ArxivAbstractLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<ArxivAbstractLibraryFixture>
{
    [Fact]
    public async Task Search_ArxivTitleToAbstract_HybridBeatsBothRankingsAloneAndHoldsTheFloor()
    {
        var queries = fixture.Papers.Select(p => (p.Title, p.Id))
            .Concat(fixture.Papers.Select(p => (string.Join(' ', p.Title.Split(' ').Where((_, i) => i % 2 == 0)), p.Id)))
            .ToList();
        var lexical = new List<int>();
        var semantic = new List<int>();
        var hybrid = new List<int>();
        var options = new SearchOptions();
        foreach (var (query, id) in queries)
        {
            var candidates = (await fixture.Library.Search.CandidatesAsync(query, SearchMode.Hybrid, CancellationToken.None))!;
            lexical.Add(RankOf(candidates, candidates.Lexical, id));
            semantic.Add(RankOf(candidates, candidates.Semantic, id));
            hybrid.Add(RankOf(candidates, RankFusion.Fuse(options.Fusion, options.FusionK, options.SemanticWeight, options.LexicalWeight, candidates.Semantic, candidates.Lexical), id));
        }

        var (bm25, embeddings, fused) = (Ndcg10(lexical), Ndcg10(semantic), Ndcg10(hybrid));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nDCG@10 over {queries.Count} queries: hybrid {fused:F3}, BM25 {bm25:F3}, embeddings {embeddings:F3}"));
        Assert.True(fused > Math.Max(bm25, embeddings), $"hybrid {fused:F3}, BM25 {bm25:F3}, embeddings {embeddings:F3}");
        Assert.True(fused >= 0.90, $"hybrid nDCG@10 {fused:F3} is below the floor");
    }

    private static int RankOf(SearchCandidates candidates, IEnumerable<(int Index, double Score)> ranking, string id)
    {
        var position = HybridSearch.RankPapers(candidates.Index, ranking).FindIndex(p => p.PaperId == id);
        return position < 0 ? int.MaxValue : position + 1;
    }

    private static double Ndcg10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1 / Math.Log2(r + 1) : 0);
}
