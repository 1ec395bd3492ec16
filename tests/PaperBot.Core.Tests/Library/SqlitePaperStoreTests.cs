using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Library;

/// <summary>The upsert contract of the paper store, called directly (ingestion tests go through the ingestor).</summary>
public sealed class SqlitePaperStoreTests : IDisposable
{
    private readonly TestLibrary _library = new();

    public void Dispose() => _library.Dispose();

    [Fact]
    public async Task UpsertAsync_PassagesWithoutVectors_AreStoredAndEmbeddedByTheNextEnsureCurrent()
    {
        var result = await _library.Papers.UpsertAsync([Upsert("p1", "Sparse experts", "Routing tokens to a few experts.", hash: "h1")], _library.Embedder.ModelId);
        var before = await _library.Papers.GetStatsAsync();

        var embedded = await _library.Embedder.EnsureCurrentAsync(null, CancellationToken.None);

        Assert.Equal(["p1"], result.Added);
        Assert.Equal(1, result.PassagesWithoutVectors);
        Assert.Equal((1, 0), (before.Passages, before.EmbeddedPassages));
        Assert.Equal(1, embedded);
        Assert.Equal(1, (await _library.Papers.GetStatsAsync()).EmbeddedPassages);
    }

    [Fact]
    public async Task UpsertAsync_SameContentOrOlderVersion_LeavesThePaperAndRecordsNoChange()
    {
        await _library.Papers.UpsertAsync([Upsert("p1", "Sparse experts", "Routing tokens.", hash: "h1", version: 2)], _library.Embedder.ModelId);
        var latest = await _library.Papers.GetLatestChangeAsync();

        var result = await _library.Papers.UpsertAsync(
            [Upsert("p1", "Sparse experts", "Routing tokens.", hash: "h1", version: 2), Upsert("p1", "Old title", "Older text.", hash: "h0", version: 1)],
            _library.Embedder.ModelId);

        Assert.Equal(2, result.Unchanged);
        Assert.Empty(result.Added);
        Assert.Empty(result.Updated);
        Assert.Equal("Sparse experts", (await _library.Papers.GetAsync("p1"))!.Title);
        Assert.Equal(latest, await _library.Papers.GetLatestChangeAsync());
    }

    [Fact]
    public async Task UpsertAsync_NewerContent_ReplacesPassagesKeepsAddedAtAndRecordsAnUpdate()
    {
        await _library.Papers.UpsertAsync([Upsert("p1", "Sparse experts", "Routing tokens.", hash: "h1")], _library.Embedder.ModelId);
        var addedAt = (await _library.Papers.GetAsync("p1"))!.AddedAt;
        var latest = await _library.Papers.GetLatestChangeAsync();
        _library.Time.Advance(TimeSpan.FromDays(1));

        var result = await _library.Papers.UpsertAsync(
            [Upsert("p1", "Sparse experts, revised", "Routing tokens to two experts.", hash: "h2", addedAt: _library.Time.GetUtcNow())], _library.Embedder.ModelId);

        Assert.Equal(["p1"], result.Updated);
        var paper = await _library.Papers.GetAsync("p1");
        Assert.Equal(("Sparse experts, revised", addedAt), (paper!.Title, paper.AddedAt));
        var passage = Assert.Single(await _library.Passages.ReadPaperPassagesAsync(["p1"]));
        Assert.Equal("Sparse experts, revised", (await _library.Passages.GetAsync(passage.Id))!.Text[.."Sparse experts, revised".Length]);
        var change = Assert.Single(await _library.Papers.GetChangesSinceAsync(latest, 10));
        Assert.Equal(PaperChangeKind.Updated, change.Kind);
    }

    private PaperUpsert Upsert(string id, string title, string summary, string hash, int version = 0, DateTimeOffset? addedAt = null)
    {
        var paper = new Paper(id, title, [], summary, null, [], null, null, addedAt ?? _library.Time.GetUtcNow(), version);
        return new PaperUpsert(paper, hash, PassageChunker.Chunk(paper), null);
    }
}
