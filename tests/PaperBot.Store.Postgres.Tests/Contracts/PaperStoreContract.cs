using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>Papers with their passages and vectors, the change sequence, and the summary cache: the same rules on every store.</summary>
public abstract class PaperStoreContract : StoreContract
{
    private const string Model = "test:hashing";
    private PaperStoreSet? _papers;

    /// <summary>The paper stores of the first process.</summary>
    private PaperStoreSet Papers => _papers ??= Backend.OpenPaperProcess();

    private static Paper NewPaper(string id, string title, int version = 0, DateTimeOffset? addedAt = null) => new(
        id, title, ["Ada Lovelace", "Alan Turing"], $"An abstract about {title}.", new DateOnly(2026, 10, 30), ["cs.CL", "cs.LG"],
        $"https://arxiv.org/abs/{id}", null, addedAt ?? Start, version);

    private static PaperUpsert Upsert(Paper paper, string hash, bool withVectors = true)
    {
        Passage[] passages = [new(paper.Id, 0, $"{paper.Title}\n{paper.Abstract}"), new(paper.Id, 1, $"Body of {paper.Title}, second part.")];
        return new PaperUpsert(paper, hash, passages, withVectors ? [.. passages.Select(p => VectorOf(p.Text))] : null);
    }

    private static float[] VectorOf(string text) => [.. Enumerable.Range(0, 8).Select(i => (float)Math.Sin(text.Length + (i * 0.37)))];

    [SkippableFact]
    public async Task Upsert_NewPaper_AddsItWithItsPassagesAndVectors()
    {
        var paper = NewPaper("2611.00001", "Sparse mixture of experts routing");

        var result = await Papers.Papers.UpsertAsync([Upsert(paper, "h1")], Model);

        Assert.Equal(["2611.00001"], result.Added);
        Assert.Equal((0, 0), (result.Updated.Count, result.PassagesWithoutVectors));
        Assert.Equivalent(paper, await Papers.Papers.GetAsync("2611.00001"), strict: true);
        var passages = await Papers.Passages.ReadPaperPassagesAsync(["2611.00001"]);
        Assert.Equal([0, 1], passages.Select(p => p.Chunk));
        Assert.Equal(VectorOf($"{paper.Title}\n{paper.Abstract}"), passages[0].Vector);
        Assert.Equal($"Body of {paper.Title}, second part.", (await Papers.Passages.GetAsync(passages[1].Id))!.Text);
        Assert.Equal(Model, await Papers.Passages.GetEmbeddingModelAsync());
    }

    [SkippableFact]
    public async Task Upsert_SameContentAgain_LeavesItAndRecordsNoChange()
    {
        var paper = NewPaper("2611.00001", "Sparse mixture of experts routing");
        await Papers.Papers.UpsertAsync([Upsert(paper, "h1")], Model);
        var latest = await Papers.Papers.GetLatestChangeAsync();

        var again = await Papers.Papers.UpsertAsync([Upsert(paper with { Title = "Another title" }, "h1")], Model);

        Assert.Equal((0, 0, 1), (again.Added.Count, again.Updated.Count, again.Unchanged));
        Assert.Equal(latest, await Papers.Papers.GetLatestChangeAsync());
        Assert.Equal("Sparse mixture of experts routing", (await Papers.Papers.GetAsync("2611.00001"))!.Title);
    }

    [SkippableFact]
    public async Task Upsert_NewerVersion_ReplacesItKeepingWhenItWasAdded_OlderVersionIsIgnored()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("2611.00001", "Routing v1", 1), "h1")], Model);
        var summary = new SummaryCacheKey("2611.00001", "short", "1", "m");
        await Papers.Summaries.SetAsync(summary, "old summary");

        var newer = await Papers.Papers.UpsertAsync([Upsert(NewPaper("2611.00001", "Routing v2", 2, Start.AddDays(3)), "h2", withVectors: false)], Model);
        var older = await Papers.Papers.UpsertAsync([Upsert(NewPaper("2611.00001", "Routing v0", 0), "h0")], Model);

        Assert.Equal(["2611.00001"], newer.Updated);
        Assert.Equal(2, newer.PassagesWithoutVectors);
        Assert.Equal(1, older.Unchanged);
        var stored = await Papers.Papers.GetAsync("2611.00001");
        Assert.Equal(("Routing v2", 2, Start), (stored!.Title, stored.Version, stored.AddedAt));
        Assert.Null(await Papers.Summaries.GetAsync(summary)); // the cached summary went with the old version
        Assert.All(await Papers.Passages.ReadPaperPassagesAsync(["2611.00001"]), p => Assert.Null(p.Vector));
        Assert.Equal(new StoredPaperVersion("h2", 2, Start), (await Papers.Papers.GetVersionsAsync(["2611.00001", "nope"]))["2611.00001"]);
    }

    [SkippableFact]
    public async Task Upsert_TwoProcessesIngestingTheSamePapersAtOnce_EachPaperAddedOnceWithoutError()
    {
        var processes = new[] { Papers, Backend.OpenPaperProcess() };
        var batch = Enumerable.Range(1, 5).Select(i => Upsert(NewPaper($"2611.0000{i}", $"Paper {i}"), $"h{i}")).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => processes[i % 2].Papers.UpsertAsync(batch, Model))));

        Assert.Equal(5, results.Sum(r => r.Added.Count));
        Assert.Equal(0, results.Sum(r => r.Updated.Count));
        Assert.Equal(5 * 7, results.Sum(r => r.Unchanged));
        var stats = await Papers.Papers.GetStatsAsync();
        Assert.Equal((5, 10), (stats.Papers, stats.Passages));
        Assert.Equal(5, (await Papers.Papers.GetChangesSinceAsync(0, 100)).Count);
    }

    [SkippableFact]
    public async Task GetMany_SomeUnknown_ReturnsTheKnownInTheOrderGiven()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("a1", "First"), "1"), Upsert(NewPaper("b2", "Second"), "2")], Model);

        var papers = await Papers.Papers.GetManyAsync(["b2", "zz", "a1", "b2"]);

        Assert.Equal(["b2", "a1"], papers.Select(p => p.Id));
        Assert.Null(await Papers.Papers.GetAsync("zz"));
    }

    [SkippableFact]
    public async Task FindAndSuggest_TitlesInAnyCase_PrefixMatchesFirstThenNewest()
    {
        await Papers.Papers.UpsertAsync(
        [
            Upsert(NewPaper("2611.00001", "Attention is all you need", addedAt: Start), "1"),
            Upsert(NewPaper("2611.00002", "Sparse attention at scale", addedAt: Start.AddDays(1)), "2"),
            Upsert(NewPaper("2611.00003", "Attention sinks in streaming", addedAt: Start.AddDays(2)), "3"),
            Upsert(NewPaper("2611.00004", "Retrieval 100% of the time", addedAt: Start.AddDays(3)), "4"),
        ], Model);

        Assert.Equal(["2611.00001", "2611.00003"], (await Papers.Papers.FindByTitlePrefixAsync("ATTENTION", 10)).Select(p => p.Id));
        Assert.Equal(["2611.00003", "2611.00001", "2611.00002"], (await Papers.Papers.SuggestAsync("attention", 10)).Select(p => p.Id));
        Assert.Equal(["2611.00004"], (await Papers.Papers.SuggestAsync("100%", 10)).Select(p => p.Id));
        Assert.Empty(await Papers.Papers.SuggestAsync("10_%", 10));
        Assert.Equal(["2611.00004", "2611.00003"], (await Papers.Papers.SuggestAsync("", 2)).Select(p => p.Id));
    }

    [SkippableFact]
    public async Task Resolve_IdWithVersionUniquePrefixOrAmbiguous_FindsOneOrListsCandidates()
    {
        await Papers.Papers.UpsertAsync(
        [
            Upsert(NewPaper("2611.00001", "Attention is all you need"), "1"),
            Upsert(NewPaper("2611.00003", "Attention sinks in streaming"), "3"),
        ], Model);

        Assert.Equal("2611.00001", (await Papers.Papers.ResolveAsync("https://arxiv.org/abs/2611.00001v2")).Id);
        Assert.Equal("2611.00003", (await Papers.Papers.ResolveAsync("attention sinks")).Id);
        var error = await Assert.ThrowsAsync<PaperLookupException>(() => Papers.Papers.ResolveAsync("Attention"));
        Assert.Equal(2, error.Candidates.Count);
    }

    [SkippableFact]
    public async Task List_Since_NewestFirstWithinTheLimit()
    {
        await Papers.Papers.UpsertAsync(
        [
            Upsert(NewPaper("p1", "One", addedAt: Start), "1"),
            Upsert(NewPaper("p2", "Two", addedAt: Start.AddDays(1)), "2"),
            Upsert(NewPaper("p3", "Three", addedAt: Start.AddDays(2)), "3"),
        ], Model);

        Assert.Equal(["p3", "p2", "p1"], (await Papers.Papers.ListAsync()).Select(p => p.Id));
        Assert.Equal(["p3", "p2"], (await Papers.Papers.ListAsync(Start.AddDays(1))).Select(p => p.Id));
        Assert.Equal(["p3"], (await Papers.Papers.ListAsync(null, 1)).Select(p => p.Id));
    }

    [SkippableFact]
    public async Task Remove_PaperWithPassagesAndSummary_RemovesAllOfItOnce()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One"), "1"), Upsert(NewPaper("p2", "Two"), "2")], Model);
        await Papers.Summaries.SetAsync(new SummaryCacheKey("p1", "short", "1", "m"), "a summary");

        Assert.True(await Papers.Papers.RemoveAsync("p1"));
        Assert.False(await Papers.Papers.RemoveAsync("p1"));

        Assert.Null(await Papers.Papers.GetAsync("p1"));
        Assert.Empty(await Papers.Passages.ReadPaperPassagesAsync(["p1"]));
        var stats = await Papers.Papers.GetStatsAsync();
        Assert.Equal((1, 2, 0), (stats.Papers, stats.Passages, stats.CachedSummaries));
    }

    [SkippableFact]
    public async Task GetStats_SomePassagesEmbedded_CountsThemAndTheModel()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One", addedAt: Start), "1")], Model);
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p2", "Two", addedAt: Start.AddDays(2)), "2", withVectors: false)], Model);
        await Papers.Summaries.SetAsync(new SummaryCacheKey("p2", "short", "1", "m"), "a summary");

        var stats = await Papers.Papers.GetStatsAsync();

        Assert.Equal((2, 4, 2, Model, 1, Start.AddDays(2)), (stats.Papers, stats.Passages, stats.EmbeddedPassages, stats.EmbeddingModel, stats.CachedSummaries, stats.LastAdded));
        Assert.True(stats.FileBytes > 0);
        Assert.Equal(new PassageVectorShape(4, 2, 8), await Papers.Passages.GetVectorShapeAsync());
    }

    [SkippableFact]
    public async Task ChangeSequence_AddUpdateVectorsRemove_EachNumberedInOrderAndReadSince()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One", 1), "1"), Upsert(NewPaper("p2", "Two"), "2", withVectors: false)], Model);
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One again", 2), "1b")], Model);
        var pending = await Papers.Passages.ListForEmbeddingAsync(all: false);
        await Papers.Passages.SetVectorsAsync([.. pending.Select(p => (p.PassageId, VectorOf(p.Text)))], "test:other");
        await Papers.Papers.RemoveAsync("p1");

        var changes = await Papers.Papers.GetChangesSinceAsync(0, 100);

        Assert.Equal(
            [("p1", PaperChangeKind.Added), ("p2", PaperChangeKind.Added), ("p1", PaperChangeKind.Updated), ("p2", PaperChangeKind.Updated), ("p1", PaperChangeKind.Removed)],
            changes.Select(c => (c.PaperId, c.Kind)));
        Assert.Equal(changes.Select(c => c.Sequence).Order(), changes.Select(c => c.Sequence));
        Assert.Equal(changes.Count, changes.Select(c => c.Sequence).Distinct().Count());
        Assert.Equal(changes[^1].Sequence, await Papers.Papers.GetLatestChangeAsync());
        Assert.Equal(changes.Skip(3), await Papers.Papers.GetChangesSinceAsync(changes[2].Sequence, 100));
        Assert.Equal(changes.Skip(1).Take(2), await Papers.Papers.GetChangesSinceAsync(changes[0].Sequence, 2));
        Assert.Equal(0, await Backend.OpenPaperProcess().Papers.GetLatestChangeAsync() - changes[^1].Sequence);
    }

    [SkippableFact]
    public async Task SetVectors_PassagesWithoutVectors_RoundTripExactlyUnderTheNewModel()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One"), "1", withVectors: false)], Model);
        var pending = await Papers.Passages.ListForEmbeddingAsync(all: false);
        float[][] vectors = [[0.1f, -2.5f, float.Epsilon, 3.4028235e38f], [1f / 3, 0, -0f, 1e-20f]];

        await Papers.Passages.SetVectorsAsync([.. pending.Select((p, i) => (p.PassageId, vectors[i]))], "test:new");

        Assert.Equal(2, pending.Count);
        Assert.Empty(await Papers.Passages.ListForEmbeddingAsync(all: false));
        Assert.Equal(2, (await Papers.Passages.ListForEmbeddingAsync(all: true)).Count);
        Assert.Equal("test:new", await Papers.Passages.GetEmbeddingModelAsync());
        var read = await Papers.Passages.ReadVectorsAsync([pending[1].PassageId, 999_999, pending[0].PassageId]);
        // In no particular order: the ids asked for that have a vector, each with its own.
        var byId = read.ToDictionary(p => p.Id);
        Assert.Equal(new[] { pending[0].PassageId, pending[1].PassageId }.Order(), byId.Keys.Order());
        Assert.Equal(vectors[0], byId[pending[0].PassageId].Vector);
        Assert.Equal(vectors[1], byId[pending[1].PassageId].Vector);
        var all = new List<StoredPassage>();
        await foreach (var passage in Papers.Passages.ReadAllWithVectorsAsync())
        {
            all.Add(passage);
        }

        Assert.Equal(vectors, all.Select(p => p.Vector));
        var keys = new List<StoredPassage>();
        await foreach (var passage in Papers.Passages.ReadAllKeysAsync())
        {
            keys.Add(passage);
        }

        Assert.All(keys, k => Assert.Null(k.Vector));
        Assert.Equal(all.Select(p => (p.Id, p.PaperId, p.Chunk)).Order(), keys.Select(p => (p.Id, p.PaperId, p.Chunk)).Order());
    }

    [SkippableFact]
    public async Task SummaryCache_SetTwiceOtherKeyAndRemovedPaper_KeepsTheLatestPerKey()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One"), "1")], Model);
        var key = new SummaryCacheKey("p1", "short", "v1", "model-a");

        await Papers.Summaries.SetAsync(key, "first");
        await Papers.Summaries.SetAsync(key, "second");
        await Papers.Summaries.SetAsync(new SummaryCacheKey("gone", "short", "v1", "model-a"), "nothing to attach it to");

        Assert.Equal("second", await Backend.OpenPaperProcess().Summaries.GetAsync(key));
        Assert.Null(await Papers.Summaries.GetAsync(key with { Model = "model-b" }));
        Assert.Null(await Papers.Summaries.GetAsync(key with { PaperId = "gone" }));
    }

    [SkippableFact]
    public async Task Seeding_EmptyLibrary_NeededUntilMarked()
    {
        Assert.True(await Papers.Papers.NeedsSeedingAsync());

        await Papers.Papers.MarkSeededAsync();
        await Papers.Papers.MarkSeededAsync();

        Assert.False(await Backend.OpenPaperProcess().Papers.NeedsSeedingAsync());
    }

    [SkippableFact]
    public async Task DigestPapers_ArrivalsAfterAHighWaterMark_OnlyTheLaterPapersWithTheirVectors()
    {
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p1", "One", addedAt: Start), "1")], Model);
        var mark = await Papers.DigestPapers.GetArrivalHighWaterAsync(CancellationToken.None);
        await Papers.Papers.UpsertAsync([Upsert(NewPaper("p2", "Two", addedAt: Start.AddDays(1)), "2")], Model);
        var upTo = await Papers.DigestPapers.GetArrivalHighWaterAsync(CancellationToken.None);

        var arrivals = await Papers.DigestPapers.GetArrivalsAsync(mark, null, upTo, CancellationToken.None);
        var all = await Papers.DigestPapers.GetArrivalsAsync(null, null, upTo, CancellationToken.None);

        Assert.True(upTo > mark);
        var arrival = Assert.Single(arrivals);
        Assert.Equal("p2", arrival.Paper.Id);
        Assert.Equal(VectorOf("Two\nAn abstract about Two."), arrival.Vector);
        Assert.Equal(["p2", "p1"], all.Select(c => c.Paper.Id));
    }
}

public sealed class SqlitePaperStoreTests : PaperStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresPaperStoreTests : PaperStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
