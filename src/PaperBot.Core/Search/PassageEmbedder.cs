using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// Turns passages into stored vectors with the configured embedding generator, and keeps the library
/// on one model: when the stored model identity differs from the current one, every passage is re-embedded.
/// </summary>
public sealed class PassageEmbedder : IDisposable
{
    internal const int BatchSize = 32;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly IPassageStore _passages;
    private readonly ILogger<PassageEmbedder> _logger;
    private readonly SemaphoreSlim _reembedLock = new(1, 1);

    public PassageEmbedder(IEmbeddingGenerator<string, Embedding<float>> generator, IPassageStore passages, ILogger<PassageEmbedder> logger)
    {
        _generator = generator;
        _passages = passages;
        _logger = logger;
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        ModelId = $"{metadata?.ProviderName ?? "unknown"}:{metadata?.DefaultModelId ?? generator.GetType().Name}";
    }

    public void Dispose() => _reembedLock.Dispose();

    /// <summary>Identity of the model whose vectors the library stores (provider and model).</summary>
    public string ModelId { get; }

    /// <summary>Embeds texts in batches, reporting the count done after each batch.</summary>
    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += BatchSize)
        {
            var batch = texts.Skip(start).Take(BatchSize).ToList();
            var embeddings = await _generator.GenerateAsync(batch, cancellationToken: cancellationToken);
            if (embeddings.Count != batch.Count)
            {
                throw new InvalidOperationException($"The embedding model returned {embeddings.Count} vectors for {batch.Count} texts.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                vectors[start + i] = VectorMath.Normalized(embeddings[i].Vector.Span);
            }

            progress?.Report(start + batch.Count);
        }

        return vectors;
    }

    /// <summary>Embeds one query (asymmetric models such as ArcticXs embed queries with a prefix).</summary>
    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken)
    {
        var options = _generator is LocalEmbeddingGenerator ? LocalEmbeddingGenerator.CreateQueryOptions() : null;
        var embedding = await _generator.GenerateAsync(query, options, cancellationToken);
        return VectorMath.Normalized(embedding.Vector.Span);
    }

    /// <summary>
    /// Makes sure every stored passage has a vector from the current model: re-embeds all when the model
    /// changed, and fills in passages that have none. Returns how many passages were embedded.
    /// </summary>
    public async Task<int> EnsureCurrentAsync(IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        await _reembedLock.WaitAsync(cancellationToken);
        try
        {
            var storedModel = await _passages.GetEmbeddingModelAsync(cancellationToken);
            var modelChanged = storedModel is not null && storedModel != ModelId;
            var pending = await _passages.ListForEmbeddingAsync(all: modelChanged, cancellationToken);
            if (pending.Count == 0 && storedModel == ModelId)
            {
                return 0;
            }

            if (modelChanged)
            {
                _logger.LogInformation("Embedding model changed from {OldModel} to {NewModel}: re-embedding {Count} passages", storedModel, ModelId, pending.Count);
            }

            var vectors = await EmbedAsync([.. pending.Select(p => p.Text)], new InlineProgress<int>(done => progress?.Report((done, pending.Count))), cancellationToken);
            await _passages.SetVectorsAsync([.. pending.Select((p, i) => (p.PassageId, vectors[i]))], ModelId, cancellationToken);
            return pending.Count;
        }
        finally
        {
            _reembedLock.Release();
        }
    }

    /// <summary>A vector as stored (float32, little-endian); the digest store reads vectors with it.</summary>
    internal static float[] FromBlob(byte[] blob) => MemoryMarshal.Cast<byte, float>(blob).ToArray();
}
