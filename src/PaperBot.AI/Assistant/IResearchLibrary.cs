using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Assistant;

/// <summary>
/// What the assistant needs from Core's library and search: a thin view on <see cref="IPaperStore"/>,
/// <see cref="ISummaryCache"/>, <see cref="ILexicalIndex"/> and <see cref="HybridSearch"/>, so that assistant tests run
/// against an in-memory collection; in the app it is <see cref="CoreResearchLibrary"/>.
/// </summary>
internal interface IResearchLibrary
{
    Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken);

    Task<IReadOnlyList<Paper>> ListRecentAsync(int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken);

    Task<IReadOnlyList<PassageHit>> SearchPassagesAsync(string query, int top, CancellationToken cancellationToken);

    Task<string?> GetCachedSummaryAsync(SummaryCacheKey key, CancellationToken cancellationToken);

    /// <summary>Passages holding each word (as a prefix), for weighing a question's rare words over its common ones.</summary>
    Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken);

    Task SetCachedSummaryAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken);
}

/// <summary>The assistant's view of Core's library stores and <see cref="HybridSearch"/>.</summary>
internal sealed class CoreResearchLibrary(IPaperStore store, ISummaryCache summaries, ILexicalIndex lexical, HybridSearch search) : IResearchLibrary
{
    public Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken) => store.ResolveAsync(reference, cancellationToken);

    public Task<IReadOnlyList<Paper>> ListRecentAsync(int limit, CancellationToken cancellationToken) => store.ListAsync(null, limit, cancellationToken);

    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken) => search.SearchAsync(query, top, cancellationToken);

    public Task<IReadOnlyList<PassageHit>> SearchPassagesAsync(string query, int top, CancellationToken cancellationToken) => search.SearchPassagesAsync(query, top, cancellationToken);

    public Task<string?> GetCachedSummaryAsync(SummaryCacheKey key, CancellationToken cancellationToken) => summaries.GetAsync(key, cancellationToken);

    public Task SetCachedSummaryAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken) => summaries.SetAsync(key, text, cancellationToken);

    public Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken) => lexical.CountPassagesWithTermsAsync(terms, cancellationToken);
}
