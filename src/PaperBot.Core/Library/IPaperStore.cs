using PaperBot.Core.Search;

namespace PaperBot.Core.Library;

/// <summary>
/// The papers of the library with their passages and vectors (one aggregate: a paper is written and removed with
/// its passages), and the change sequence that lets every process's in-memory indexes follow the library.
/// Implementations are safe to use from several threads and from several processes on one library.
/// </summary>
public interface IPaperStore
{
    /// <summary>The papers with these ids, in the order given; unknown ids are left out.</summary>
    Task<IReadOnlyList<Paper>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Papers whose title starts with <paramref name="prefix"/> (case-insensitive), by title, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Paper>> FindByTitlePrefixAsync(string prefix, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Papers whose id or title starts with, or whose title contains, <paramref name="text"/>
    /// (prefix matches first, then newest) — for autocomplete. An empty text gives the newest papers.
    /// </summary>
    Task<IReadOnlyList<Paper>> SuggestAsync(string text, int limit, CancellationToken cancellationToken = default);

    /// <summary>Papers added at or after <paramref name="since"/> (all when null), newest first.</summary>
    Task<IReadOnlyList<Paper>> ListAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a paper with its passages, vectors and cached summaries. False when it was not there.</summary>
    Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Counts shown by <c>paperbot stats</c>.</summary>
    Task<LibraryStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>What the library holds of these papers now (a hint for what to embed ahead: the write decides again).</summary>
    Task<IReadOnlyDictionary<string, StoredPaperVersion>> GetVersionsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes papers with their passages in one transaction, deciding each by <see cref="PaperUpsertRule"/> against
    /// what is stored at that moment (read under the write lock): new papers are added, newer ones replace the stored
    /// paper (keeping when it was added), the rest are left. Passages without a vector are stored without one, for
    /// <see cref="PassageEmbedder.EnsureCurrentAsync"/>. Each paper written appends to the change sequence.
    /// </summary>
    Task<PaperUpsertResult> UpsertAsync(IReadOnlyList<PaperUpsert> papers, string embeddingModel, CancellationToken cancellationToken = default);

    /// <summary>True when the library has no papers and was never seeded with the sample collection.</summary>
    Task<bool> NeedsSeedingAsync(CancellationToken cancellationToken = default);

    /// <summary>Records that this library should never be seeded.</summary>
    Task MarkSeededAsync(CancellationToken cancellationToken = default);

    /// <summary>The sequence number of the latest paper change (0 when none was recorded).</summary>
    Task<long> GetLatestChangeAsync(CancellationToken cancellationToken = default);

    /// <summary>Paper changes with a sequence number above <paramref name="sequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<PaperChange>> GetChangesSinceAsync(long sequence, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Counts shown by <c>paperbot stats</c>.</summary>
public sealed record LibraryStats(
    int Papers,
    int Passages,
    int EmbeddedPassages,
    string? EmbeddingModel,
    int CachedSummaries,
    long FileBytes,
    string Path,
    DateTimeOffset? LastAdded);

/// <summary>What the library holds of one paper: enough to decide whether an incoming copy is newer.</summary>
public sealed record StoredPaperVersion(string ContentHash, int Version, DateTimeOffset AddedAt);

/// <summary>One paper to write, with its passages and (where embedded ahead) one vector per passage.</summary>
public sealed record PaperUpsert(Paper Paper, string ContentHash, IReadOnlyList<Passage> Passages, IReadOnlyList<float[]>? Vectors);

/// <summary>What an upsert did: the ids added and updated, how many were left as stored, and how many passages still need a vector.</summary>
public sealed record PaperUpsertResult(IReadOnlyList<string> Added, IReadOnlyList<string> Updated, int Unchanged, int PassagesWithoutVectors);

/// <summary>What a change did to a paper.</summary>
public enum PaperChangeKind
{
    /// <summary>The paper entered the library.</summary>
    Added,

    /// <summary>The paper, its passages or their vectors were replaced.</summary>
    Updated,

    /// <summary>The paper left the library.</summary>
    Removed,
}

/// <summary>How every store writes a <see cref="PaperChangeKind"/> in its change table.</summary>
public static class PaperChangeKinds
{
    public static string ToText(PaperChangeKind kind) => kind switch
    {
        PaperChangeKind.Added => "added",
        PaperChangeKind.Updated => "updated",
        PaperChangeKind.Removed => "removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The kind written as <paramref name="text"/>; anything else counts as an update (the safe reading for an index catching up).</summary>
    public static PaperChangeKind FromText(string text) => text switch
    {
        "added" => PaperChangeKind.Added,
        "removed" => PaperChangeKind.Removed,
        _ => PaperChangeKind.Updated,
    };
}

/// <summary>One entry of the library's change sequence: numbers only grow, across processes.</summary>
public sealed record PaperChange(long Sequence, string PaperId, PaperChangeKind Kind);

/// <summary>The rule every store applies, under its write lock, to an incoming paper.</summary>
public static class PaperUpsertRule
{
    /// <summary>Whether <paramref name="incoming"/> is written over <paramref name="stored"/> (null: not in the library).</summary>
    public static bool ShouldWrite(StoredPaperVersion? stored, PaperUpsert incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return stored is null || (stored.ContentHash != incoming.ContentHash && incoming.Paper.Version >= stored.Version);
    }
}
