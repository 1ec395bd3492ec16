namespace PaperBot.Core.Library;

/// <summary>Look-ups built on <see cref="IPaperStore"/> alone, the same for every store.</summary>
public static class PaperStoreExtensions
{
    private const int MaxCandidates = 10;

    /// <summary>The paper with exactly this id, or <see langword="null"/>.</summary>
    public static async Task<Paper?> GetAsync(this IPaperStore store, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(id);
        var papers = await store.GetManyAsync([id], cancellationToken);
        return papers.Count == 0 ? null : papers[0];
    }

    /// <summary>
    /// Finds one paper by id (with or without arXiv version, or an arXiv URL) or by a unique title prefix
    /// (case-insensitive). Throws <see cref="PaperLookupException"/> listing candidates when nothing or several match.
    /// </summary>
    public static async Task<Paper> ResolveAsync(this IPaperStore store, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        var text = PaperIds.NormalizeWhitespace(reference);
        if (text.Length == 0)
        {
            throw new PaperLookupException(reference, []);
        }

        var id = PaperIds.TryParseArxiv(text, out var arxivId, out _) ? arxivId : text;
        if (await store.GetAsync(id, cancellationToken) is { } byId)
        {
            return byId;
        }

        var byPrefix = await store.FindByTitlePrefixAsync(text, MaxCandidates + 1, cancellationToken);
        var exact = byPrefix.Where(p => string.Equals(p.Title, text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count == 1)
        {
            return exact[0];
        }

        if (byPrefix.Count == 1)
        {
            return byPrefix[0];
        }

        var candidates = byPrefix.Count > 0 ? byPrefix : await store.SuggestAsync(text, MaxCandidates, cancellationToken);
        throw new PaperLookupException(reference, candidates);
    }
}
