using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Discord.Commands;

/// <summary>The library look-ups the commands need (search and autocomplete): a thin view on Core's <see cref="IPaperStore"/> and <see cref="HybridSearch"/>.</summary>
internal interface IPaperDirectory
{
    Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken);

    Task<IReadOnlyList<Paper>> SuggestAsync(string partial, int limit, CancellationToken cancellationToken);

    /// <summary>Loads the search index and the embedding model, so the first question is as fast as the rest.</summary>
    Task WarmUpAsync(CancellationToken cancellationToken);
}

/// <summary>The real directory: <see cref="HybridSearch"/> for /search, <see cref="IPaperStore.SuggestAsync"/> for autocomplete.</summary>
internal sealed class LibraryPaperDirectory(IPaperStore store, HybridSearch search) : IPaperDirectory
{
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken) =>
        search.SearchAsync(query, top, cancellationToken);

    public Task<IReadOnlyList<Paper>> SuggestAsync(string partial, int limit, CancellationToken cancellationToken) =>
        store.SuggestAsync(partial, limit, cancellationToken);

    public Task WarmUpAsync(CancellationToken cancellationToken) => search.WarmUpAsync(cancellationToken);
}
