using PaperBot.Core.Search;

namespace PaperBot.Core.Library;

/// <summary>
/// Passage text and vectors as the search indexes and the embedder read them (passages are written with their
/// paper, through <see cref="IPaperStore"/>). A passage id is stable for the life of the passage.
/// </summary>
public interface IPassageStore
{
    /// <summary>Where this process may keep files derived from the library (the vector graph, term statistics): a path prefix.</summary>
    string IndexFilePrefix { get; }

    /// <summary>The passage with this id, or <see langword="null"/> when it is gone.</summary>
    Task<Passage?> GetAsync(long passageId, CancellationToken cancellationToken = default);

    /// <summary>How many passages there are, how many have a vector, and the vectors' length (0 when none).</summary>
    Task<PassageVectorShape> GetVectorShapeAsync(CancellationToken cancellationToken = default);

    /// <summary>Every passage with a vector, by id.</summary>
    IAsyncEnumerable<StoredPassage> ReadAllWithVectorsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every passage's id, paper and chunk, without the vectors.</summary>
    IAsyncEnumerable<StoredPassage> ReadAllKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>The vectors of these passages, in no particular order (passages without one, or gone, are left out).</summary>
    Task<IReadOnlyList<StoredPassage>> ReadVectorsAsync(IReadOnlyList<long> passageIds, CancellationToken cancellationToken = default);

    /// <summary>The passages of these papers with their vectors (null where a passage has none yet), by id.</summary>
    Task<IReadOnlyList<StoredPassage>> ReadPaperPassagesAsync(IReadOnlyCollection<string> paperIds, CancellationToken cancellationToken = default);

    /// <summary>The embedding model whose vectors the library stores, or null before the first.</summary>
    Task<string?> GetEmbeddingModelAsync(CancellationToken cancellationToken = default);

    /// <summary>Passages to embed: all of them (<paramref name="all"/>, after a model change) or those without a vector.</summary>
    Task<IReadOnlyList<(long PassageId, string Text)>> ListForEmbeddingAsync(bool all, CancellationToken cancellationToken = default);

    /// <summary>Stores vectors of <paramref name="model"/> in one transaction; each paper touched appends an update to the change sequence.</summary>
    Task SetVectorsAsync(IReadOnlyList<(long PassageId, float[] Vector)> vectors, string model, CancellationToken cancellationToken = default);
}

/// <summary>A stored passage as the indexes see it; <see cref="Vector"/> is null when not read or not embedded yet.</summary>
public sealed record StoredPassage(long Id, string PaperId, int Chunk, float[]? Vector);

/// <summary>Passage counts and the stored vectors' length.</summary>
public sealed record PassageVectorShape(long Passages, long WithVectors, int Dimensions);
