using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Search;

/// <summary>
/// The in-memory search index follows the library's change sequence: another process (its own stores on the same
/// file) adds, updates or removes a paper, and this process's next search applies just that change.
/// </summary>
public sealed class IndexCatchUpTests : IDisposable
{
    private static readonly (string Id, string Title, string Abstract)[] Papers =
    [
        ("p-moe", "Routing tokens to experts", "A sparse mixture-of-experts layer sends each token to two of sixty-four feed-forward experts chosen by a learned router, so the model grows in parameters without growing in compute per token."),
        ("p-rag", "Retrieval before generation", "Before answering, the system retrieves passages from a large document store with a dense retriever and conditions the language model on them, which reduces made-up facts in open-domain question answering."),
        ("p-quant", "Eight-bit inference", "Weights and activations are quantised to eight-bit integers after training; outlier features are kept in sixteen bits, so large transformers run in half the memory with no loss in perplexity."),
        ("p-diff", "Denoising images step by step", "An image generator learns to reverse a gradual noising process; sampling starts from pure noise and removes it over a thousand steps guided by a text encoder."),
    ];

    private const string DiffusionQuestion = "generating images by removing noise over many steps";

    private readonly TestLibrary _library;
    private readonly OtherProcess _other;

    public IndexCatchUpTests()
    {
        _library = new TestLibrary();
        _other = new OtherProcess(_library);
    }

    public void Dispose()
    {
        _other.Dispose();
        _library.Dispose();
    }

    public static TheoryData<string> IndexKinds => ["quantized", "full", "hnsw"];

    [Theory]
    [MemberData(nameof(IndexKinds))]
    public async Task Search_PaperIngestedByAnotherProcess_IsFoundAfterCatchUpWithoutReload(string kind)
    {
        using var search = _library.CreateSearch(Options(kind));
        await IngestAsync(_library.Ingestor, Papers[..3]);
        await search.WarmUpAsync();

        await IngestAsync(_other.Ingestor, Papers[3..]);
        var hits = await search.SearchAsync(DiffusionQuestion, 3, SearchMode.SemanticOnly);

        Assert.Equal("p-diff", hits[0].Paper.Id);
        Assert.Equal(1, search.FullLoads);
        Assert.Equal(1, search.ChangesApplied);
    }

    [Theory]
    [MemberData(nameof(IndexKinds))]
    public async Task Search_PaperRemovedByAnotherProcess_IsGoneAfterCatchUpWithoutReload(string kind)
    {
        using var search = _library.CreateSearch(Options(kind));
        await IngestAsync(_library.Ingestor, Papers);
        await search.WarmUpAsync();

        Assert.True(await _other.Papers.RemoveAsync("p-diff"));
        var hits = await search.SearchAsync(DiffusionQuestion, 4, SearchMode.SemanticOnly);

        Assert.DoesNotContain(hits, h => h.Paper.Id == "p-diff");
        Assert.Equal(3, hits.Count);
        Assert.Equal(1, search.FullLoads);
        Assert.Equal(1, search.ChangesApplied);
    }

    [Theory]
    [InlineData("quantized")]
    [InlineData("full")]
    public async Task Search_AfterCatchUp_RanksAsAFreshLoadDoes(string kind)
    {
        using var search = _library.CreateSearch(Options(kind));
        await IngestAsync(_library.Ingestor, Papers[..2]);
        await search.WarmUpAsync();

        await IngestAsync(_other.Ingestor, Papers[2..]);
        await _other.Papers.RemoveAsync("p-rag");
        await IngestAsync(_other.Ingestor, [("p-rag", "Retrieval before generation", "A retriever fetches supporting passages, and the generator cites them when it answers.")]);
        var caughtUp = await search.SearchAsync("which model looks things up before it answers", 4);
        using var fresh = _library.CreateSearch(Options(kind));
        var loaded = await fresh.SearchAsync("which model looks things up before it answers", 4);

        Assert.Equal(1, search.FullLoads);
        Assert.Equal(4, search.ChangesApplied); // two added, one removed, one added again
        Assert.Equal(loaded.Select(h => (h.Paper.Id, h.Score, h.Similarity)), caughtUp.Select(h => (h.Paper.Id, h.Score, h.Similarity)));
    }

    [Fact]
    public async Task Search_LibraryFromBeforeTheChangeSequence_LoadsOnceThenAppliesNewChanges()
    {
        await IngestAsync(_library.Ingestor, Papers[..3]);
        // A library migrated from before the change sequence: its papers are there, no change was recorded.
        await using (var connection = new SqliteConnection($"Data Source={_library.Path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM paper_changes";
            await command.ExecuteNonQueryAsync();
        }

        using var search = _library.CreateSearch();
        var before = await search.SearchAsync(DiffusionQuestion, 3, SearchMode.SemanticOnly);
        await IngestAsync(_other.Ingestor, Papers[3..]);
        var after = await search.SearchAsync(DiffusionQuestion, 3, SearchMode.SemanticOnly);

        Assert.Equal(3, before.Count);
        Assert.Equal("p-diff", after[0].Paper.Id);
        Assert.Equal(1, search.FullLoads);
        Assert.Equal(1, search.ChangesApplied);
    }

    [Fact]
    public async Task GetChangesSince_AddUpdateRemove_AreNumberedInOrderAcrossStores()
    {
        await IngestAsync(_library.Ingestor, Papers[..1]);
        var before = await _library.Papers.GetLatestChangeAsync();
        await IngestAsync(_other.Ingestor, [(Papers[0].Id, Papers[0].Title, Papers[0].Abstract + " Revised.")]);
        await _library.Papers.RemoveAsync(Papers[0].Id);

        var changes = await _other.Papers.GetChangesSinceAsync(before, 10);

        Assert.Equal([PaperChangeKind.Updated, PaperChangeKind.Removed], changes.Select(c => c.Kind));
        Assert.All(changes, c => Assert.Equal("p-moe", c.PaperId));
        Assert.True(changes[0].Sequence > before && changes[1].Sequence > changes[0].Sequence);
        Assert.Equal(changes[1].Sequence, await _library.Papers.GetLatestChangeAsync());
    }

    [Fact]
    public async Task Ingest_SameFileAgain_RecordsNoChange()
    {
        await IngestAsync(_library.Ingestor, Papers);
        var latest = await _library.Papers.GetLatestChangeAsync();

        await IngestAsync(_other.Ingestor, Papers);

        Assert.Equal(latest, await _library.Papers.GetLatestChangeAsync());
    }

    private static SearchOptions Options(string kind) => kind switch
    {
        "full" => new SearchOptions { VectorPrecision = VectorPrecision.Full },
        "hnsw" => new SearchOptions { ApproximateFromPassages = 1 },
        _ => new SearchOptions { VectorPrecision = VectorPrecision.Quantized },
    };

    private async Task IngestAsync(PaperIngestor ingestor, IEnumerable<(string Id, string Title, string Abstract)> papers)
    {
        var lines = papers.Select(p => JsonSerializer.Serialize(new { id = p.Id, title = p.Title, @abstract = p.Abstract }));
        await ingestor.IngestAsync(_library.WriteFile($"{Guid.NewGuid():N}.jsonl", string.Join('\n', lines)));
    }

    /// <summary>A second process on the same library file: its own connections, stores and ingestor.</summary>
    private sealed class OtherProcess : IDisposable
    {
        private readonly LibraryStore _file;
        private readonly PassageEmbedder _embedder;

        public OtherProcess(TestLibrary library)
        {
            _file = new LibraryStore(
                Microsoft.Extensions.Options.Options.Create(new LibraryOptions { Path = library.Path }), library.Time, NullLogger<LibraryStore>.Instance);
            Papers = new SqlitePaperStore(_file);
            _embedder = new PassageEmbedder(TestLibrary.Model, new SqlitePassageStore(_file), NullLogger<PassageEmbedder>.Instance);
            Ingestor = new PaperIngestor(Papers, _embedder, library.Time, NullLogger<PaperIngestor>.Instance);
        }

        public IPaperStore Papers { get; }

        public PaperIngestor Ingestor { get; }

        public void Dispose()
        {
            _embedder.Dispose();
            _file.Dispose();
        }
    }
}
