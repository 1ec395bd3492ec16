namespace PaperBot.Core.Search;

/// <summary>
/// Hybrid search: SQLite FTS5 BM25 over titles, abstracts and full-text chunks fused with
/// cosine similarity from the embedding model over an in-memory index.
/// </summary>
public sealed partial class HybridSearch
{
    /// <summary>The best <paramref name="top"/> papers for a query.</summary>
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The best <paramref name="top"/> passages (abstracts and full-text chunks) for a query.</summary>
    public Task<IReadOnlyList<PassageHit>> SearchPassagesAsync(string query, int top, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
