namespace PaperBot.Core.Library;

/// <summary>Counts shown by <c>paperbot stats</c>.</summary>
public sealed record LibraryStats(int Papers, int Passages, int EmbeddedPassages, string? EmbeddingModel, int CachedSummaries, long FileBytes, string Path);

/// <summary>Key of a cached summary: a repeat with the same key costs no model call.</summary>
public sealed record SummaryCacheKey(string PaperId, string Level, string PromptVersion, string Model);

/// <summary>The paper library: one SQLite file (WAL), schema versioned with forward migrations.</summary>
public sealed partial class LibraryStore
{
    /// <summary>The paper with exactly this id, or <see langword="null"/>.</summary>
    public Task<Paper?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Finds one paper by id (with or without arXiv version) or by a unique title prefix (case-insensitive).
    /// Throws <see cref="PaperLookupException"/> listing candidates when nothing or several match.
    /// </summary>
    public Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Papers whose id or title starts with or contains <paramref name="partial"/>, best first (autocomplete).</summary>
    public Task<IReadOnlyList<Paper>> SuggestAsync(string partial, int limit, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Papers added at or after <paramref name="since"/> (all when null), newest first.</summary>
    public Task<IReadOnlyList<Paper>> ListAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Removes a paper with its passages, embeddings and cached summaries. False when it was not there.</summary>
    public Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<LibraryStats> GetStatsAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<string?> GetCachedSummaryAsync(SummaryCacheKey key, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task SetCachedSummaryAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
