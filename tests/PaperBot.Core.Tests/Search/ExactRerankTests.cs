using System.Numerics.Tensors;
using Microsoft.Extensions.Options;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Search;

/// <summary>The 72 sample papers (several passages each), ingested once for the class.</summary>
public sealed class SampleLibraryFixture : IAsyncLifetime
{
    public TestLibrary Library { get; } = new();

    public async Task InitializeAsync() => await Library.Ingestor.IngestAsync(TestData.SamplePage);

    public Task DisposeAsync()
    {
        Library.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The embedding ranking re-scored with the stored float32 vectors (<see cref="SearchOptions.ExactRerank"/>).</summary>
public sealed class ExactRerankTests(SampleLibraryFixture fixture) : IClassFixture<SampleLibraryFixture>
{
    private const string Query = "sparse mixture of experts routing tokens";

    public static TheoryData<string> ApproximateIndexes => ["int8 scan", "hnsw"];

    [Theory]
    [MemberData(nameof(ApproximateIndexes))]
    public async Task CandidatesAsync_ApproximateIndexWithExactRerank_RanksByFloat32Similarity(string vectors)
    {
        using var search = fixture.Library.CreateSearch(Options(vectors, ExactRerank.All));

        var candidates = (await search.CandidatesAsync(Query, SearchMode.SemanticOnly, CancellationToken.None))!;

        var expected = await ExactRankingAsync(candidates.QueryVector);
        Assert.Equal(expected.Count, candidates.Semantic.Count); // a small library: every passage is a candidate
        Assert.Equal(expected.Select(e => e.Id), candidates.Semantic.Select(s => candidates.Index.RowIds[s.Index]));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Similarity, candidates.Semantic[i].Score, 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(ApproximateIndexes))]
    public async Task CandidatesAsync_ApproximateIndexWithoutRerank_ScoresDifferFromFloat32(string vectors)
    {
        using var search = fixture.Library.CreateSearch(Options(vectors, ExactRerank.Off));

        var candidates = (await search.CandidatesAsync(Query, SearchMode.SemanticOnly, CancellationToken.None))!;

        // The int8 codes move similarities by about 1e-3: what the re-rank corrects.
        var exact = (await ExactRankingAsync(candidates.QueryVector)).ToDictionary(e => e.Id, e => e.Similarity);
        Assert.Contains(candidates.Semantic, s => Math.Abs(s.Score - exact[candidates.Index.RowIds[s.Index]]) > 1e-5);
    }

    [Theory]
    [MemberData(nameof(ApproximateIndexes))]
    public async Task SearchAsync_ExactRerank_ReportsFloat32SimilarityOfEachPapersBestPassage(string vectors)
    {
        using var search = fixture.Library.CreateSearch(Options(vectors, ExactRerank.All));
        var queryVector = await fixture.Library.Embedder.EmbedQueryAsync(Query, CancellationToken.None);
        var exact = await ExactRankingAsync(queryVector);

        var hits = await search.SearchAsync(Query, 5);

        Assert.NotEmpty(hits);
        foreach (var hit in hits)
        {
            Assert.Equal(exact.Where(e => e.PaperId == hit.Paper.Id).Max(e => e.Similarity), hit.Similarity, 1e-6);
        }
    }

    [Fact]
    public async Task CandidatesAsync_HnswWithScanOnlyRerank_KeepsGraphSimilarities()
    {
        using var search = fixture.Library.CreateSearch(Options("hnsw", ExactRerank.Scan));

        var candidates = (await search.CandidatesAsync(Query, SearchMode.SemanticOnly, CancellationToken.None))!;

        Assert.Null(candidates.ExactSimilarities);
    }

    [Fact]
    public void Validate_Defaults_Pass() => Assert.True(Validate(new SearchOptions()).Succeeded);

    [Fact]
    public void Validate_ExactRerankWithMoreCandidatesThanItReads_FailsNamingBothKeys()
    {
        var result = Validate(new SearchOptions { ExactRerank = ExactRerank.Scan, Candidates = SearchOptions.MaxRerankCandidates + 1 });

        Assert.True(result.Failed);
        Assert.Contains("Search:Candidates", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Search:ExactRerank", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ManyCandidatesWithoutRerank_Passes() =>
        Assert.True(Validate(new SearchOptions { ExactRerank = ExactRerank.Off, Candidates = SearchOptions.MaxRerankCandidates + 1 }).Succeeded);

    [Fact]
    public void Validate_GraphCandidatesBelowCandidates_FailsNamingBothKeys()
    {
        var result = Validate(new SearchOptions { Candidates = 300, GraphCandidates = 200 });

        Assert.True(result.Failed);
        Assert.Contains("Search:GraphCandidates", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Search:Candidates", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CandidatesAsync_HnswAskedForMoreThanCandidates_KeepsCandidatesBestByInt8()
    {
        var options = Options("hnsw", ExactRerank.Off);
        options.Candidates = 10;
        options.GraphCandidates = 100;
        using var search = fixture.Library.CreateSearch(options);

        var candidates = (await search.CandidatesAsync(Query, SearchMode.SemanticOnly, CancellationToken.None))!;

        Assert.Equal(10, candidates.Semantic.Count);
        Assert.Equal(candidates.Semantic.OrderByDescending(s => s.Score).Select(s => s.Index), candidates.Semantic.Select(s => s.Index));
    }

    private static SearchOptions Options(string vectors, ExactRerank exactRerank) => new()
    {
        ApproximateFromPassages = vectors == "hnsw" ? 1 : int.MaxValue,
        VectorPrecision = VectorPrecision.Quantized,
        ExactRerank = exactRerank,
        Candidates = SearchOptions.MaxRerankCandidates, // more than the library's passages: every one is a candidate
    };

    // What ValidateDataAnnotations runs at start.
    private static ValidateOptionsResult Validate(SearchOptions options) =>
        new DataAnnotationValidateOptions<SearchOptions>(null).Validate(null, options);

    /// <summary>Every stored passage by float32 cosine with the query, best first.</summary>
    private async Task<List<(long Id, string PaperId, double Similarity)>> ExactRankingAsync(float[] query)
    {
        var ranking = new List<(long Id, string PaperId, double Similarity)>();
        await foreach (var passage in fixture.Library.Passages.ReadAllWithVectorsAsync())
        {
            ranking.Add((passage.Id, passage.PaperId, TensorPrimitives.Dot(passage.Vector!, query)));
        }

        return [.. ranking.OrderByDescending(r => r.Similarity)];
    }
}
