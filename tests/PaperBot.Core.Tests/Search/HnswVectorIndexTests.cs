using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Search;

/// <summary>Libraries that search through the HNSW index saved beside them (the threshold lowered to one passage).</summary>
public sealed class HnswVectorIndexTests : IDisposable
{
    private static readonly SearchOptions Approximate = new() { ApproximateFromPassages = 1 };

    private static readonly (string Id, string Title, string Abstract)[] Papers =
    [
        ("p-moe", "Routing tokens to experts", "A sparse mixture-of-experts layer sends each token to two of sixty-four feed-forward experts chosen by a learned router, so the model grows in parameters without growing in compute per token."),
        ("p-rag", "Retrieval before generation", "Before answering, the system retrieves passages from a large document store with a dense retriever and conditions the language model on them, which reduces made-up facts in open-domain question answering."),
        ("p-quant", "Eight-bit inference", "Weights and activations are quantised to eight-bit integers after training; outlier features are kept in sixteen bits, so large transformers run in half the memory with no loss in perplexity."),
        ("p-diff", "Denoising images step by step", "An image generator learns to reverse a gradual noising process; sampling starts from pure noise and removes it over a thousand steps guided by a text encoder."),
        ("p-rl", "Rewards from human preferences", "A reward model is trained on pairs of answers ranked by people and a policy is optimised against it with proximal policy optimisation, aligning a chat model with what users prefer."),
    ];

    private readonly TestLibrary _library = new(searchOptions: Approximate);

    public void Dispose() => _library.Dispose();

    [Fact]
    public async Task Search_AboveThreshold_FindsThePaperThroughTheSavedIndex()
    {
        await IngestAsync(Papers);

        var hits = await _library.Search.SearchAsync("which layer sends tokens to a few experts picked by a router", 3, SearchMode.SemanticOnly);

        Assert.Equal("p-moe", hits[0].Paper.Id);
        Assert.InRange(hits[0].Similarity, 0.3, 1.0);
        Assert.True(File.Exists(_library.Path + ".vectors.usearch"));
    }

    [Fact]
    public async Task Search_AfterRemoveAndIngest_IndexFollowsTheLibrary()
    {
        await IngestAsync(Papers[..4]);
        await _library.Search.SearchAsync("warm up", 1);

        await _library.Papers.RemoveAsync("p-moe");
        await IngestAsync(Papers[4..]);
        var hits = await _library.Search.SearchAsync("a reward model trained on answers people ranked, then policy optimisation", 5, SearchMode.SemanticOnly);

        Assert.Equal("p-rl", hits[0].Paper.Id);
        Assert.DoesNotContain(hits, h => h.Paper.Id == "p-moe");
    }

    [Fact]
    public async Task Search_LibraryChangedWhileIndexWasNotSaved_CatchesUpOnStart()
    {
        await IngestAsync(Papers[..3]);
        await _library.Search.SearchAsync("warm up", 1);
        await _library.Search.RebuildVectorIndexAsync(); // saved with three passages

        // Another process (or this one before a crash) changes the library; the saved index is now behind.
        await _library.Papers.RemoveAsync("p-rag");
        await IngestAsync(Papers[3..]);
        IReadOnlyList<SearchHit> hits;
        using (var restarted = _library.CreateSearch(Approximate))
        {
            hits = await restarted.SearchAsync("generating images by removing noise over many steps", 5, SearchMode.SemanticOnly);
        }

        using var saved = HnswVectorIndex.Open(_library.Path, _library.Embedder.ModelId, 384, NullLogger.Instance);
        Assert.Equal("p-diff", hits[0].Paper.Id);
        Assert.DoesNotContain(hits, h => h.Paper.Id == "p-rag");
        Assert.Equal(4, saved.Count);
    }

    [Fact]
    public async Task Open_SavedForAnotherModel_StartsEmpty()
    {
        await IngestAsync(Papers[..2]);
        await _library.Search.RebuildVectorIndexAsync();

        using var sameModel = HnswVectorIndex.Open(_library.Path, _library.Embedder.ModelId, 384, NullLogger.Instance);
        using var otherModel = HnswVectorIndex.Open(_library.Path, "onnx:another-model", 384, NullLogger.Instance);

        Assert.Equal(2, sameModel.Count);
        Assert.Equal(0, otherModel.Count);
    }

    [Fact]
    public async Task Open_DamagedKeysFile_StartsEmptyInsteadOfFailing()
    {
        await IngestAsync(Papers[..2]);
        await _library.Search.RebuildVectorIndexAsync();
        await File.WriteAllBytesAsync(_library.Path + ".vectors.keys", [0xFF, 0xFF, 0xFF, 0x7F]);

        using var index = HnswVectorIndex.Open(_library.Path, _library.Embedder.ModelId, 384, NullLogger.Instance);

        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Difference_SortedKeys_ListsMissingAndExtraKeys()
    {
        var (toAdd, toRemove) = HnswVectorIndex.Difference([1, 2, 4, 7], [2, 3, 4, 8, 9]);

        Assert.Equal([3L, 8, 9], toAdd);
        Assert.Equal([1L, 7], toRemove);
    }

    private async Task IngestAsync(IEnumerable<(string Id, string Title, string Abstract)> papers)
    {
        var lines = papers.Select(p => JsonSerializer.Serialize(new { id = p.Id, title = p.Title, @abstract = p.Abstract }));
        await _library.Ingestor.IngestAsync(_library.WriteFile($"{Guid.NewGuid():N}.jsonl", string.Join('\n', lines)));
    }
}
