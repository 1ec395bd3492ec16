using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Store.Postgres.Tests.Contracts;

namespace PaperBot.Store.Postgres.Tests;

/// <summary>
/// Two processes, each with its own stores and in-memory search index, on one PostgreSQL database: what one ingests or
/// removes, the other's search follows by the change sequence, without loading the library again. The lexical side is
/// left out (weight 0, an index that finds nothing): these tests are about the vector index following the library.
/// </summary>
public sealed class SearchAcrossProcessesTests : IAsyncLifetime
{
    private readonly List<IDisposable> _owned = [];
    private PostgresBackend? _backend;

    public async Task InitializeAsync()
    {
        if (PostgresServer.ConnectionString is null && !PostgresServer.Required)
        {
            return;
        }

        _backend = await PostgresBackend.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Search_PaperIngestedByAnotherProcess_FoundAfterCatchingUpWithoutAFullLoad()
    {
        var backend = _backend!;
        var (ingesting, _) = StartProcess();
        var (searching, search) = StartProcess();
        await backend.AddPapersAsync(ingesting,
            ("2611.00001", "Sparse mixture of experts routing"),
            ("2611.00002", "Speculative decoding with draft models"));
        Assert.Equal("2611.00001", (await search.SearchAsync("mixture experts routing", 1))[0].Paper.Id);

        await backend.AddPapersAsync(ingesting, ("2611.00003", "Quantum annealing for protein folding"));
        var hits = await search.SearchAsync("quantum annealing protein folding", 1);

        Assert.Equal("2611.00003", hits[0].Paper.Id);
        Assert.Equal((1, 1L), (search.FullLoads, search.ChangesApplied));
    }

    [PostgresFact]
    public async Task Search_PaperRemovedByAnotherProcess_NoLongerFound()
    {
        var backend = _backend!;
        var (ingesting, _) = StartProcess();
        var (_, search) = StartProcess();
        await backend.AddPapersAsync(ingesting,
            ("2611.00001", "Sparse mixture of experts routing"),
            ("2611.00003", "Quantum annealing for protein folding"));
        Assert.Equal("2611.00003", (await search.SearchAsync("quantum annealing protein folding", 1))[0].Paper.Id);

        Assert.True(await ingesting.Papers.RemoveAsync("2611.00003"));
        var hits = await search.SearchAsync("quantum annealing protein folding", 5);

        Assert.DoesNotContain(hits, h => h.Paper.Id == "2611.00003");
        Assert.Equal((1, 1L), (search.FullLoads, search.ChangesApplied));
    }

    private (PaperStoreSet Stores, HybridSearch Search) StartProcess()
    {
        var stores = _backend!.OpenPaperProcess();
        var embedder = Own(new PassageEmbedder(new HashingEmbeddingGenerator(), stores.Passages, NullLogger<PassageEmbedder>.Instance));
        var options = Options.Create(new SearchOptions { LexicalWeight = 0, SemanticWeight = 1 });
        var search = Own(new HybridSearch(stores.Papers, stores.Passages, new NoLexicalIndex(), embedder, options, NullLogger<HybridSearch>.Instance));
        return (stores, search);
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>Finds nothing: the vector index alone ranks.</summary>
    private sealed class NoLexicalIndex : ILexicalIndex
    {
        public Task<IReadOnlyList<(long PassageId, double Score)>> SearchAsync(LexicalQuery query, int limit, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<(long, double)>>([]);

        public Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken = default) =>
            Task.FromResult(new PassageTermCounts(0, [.. terms.Select(_ => 0L)]));

        public Task<List<(string Word, string Stem)>> StemAsync(IReadOnlyList<string> words, CancellationToken cancellationToken = default) =>
            Task.FromResult(words.Select(w => (w, w)).ToList());

        public Task<Dictionary<string, long>> ReadVocabularyAsync(CancellationToken cancellationToken = default) => Task.FromResult(new Dictionary<string, long>());
    }
}
