namespace PaperBot.Core.Library;

/// <summary>
/// Word-based (BM25-style) ranking of passages, with the statistics that plan a query. The query is an object, not
/// the syntax of one engine, so that every store can answer it with its own full-text search.
/// </summary>
public interface ILexicalIndex
{
    /// <summary>Passages matching any term, best first (higher score is better), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<(long PassageId, double Score)>> SearchAsync(LexicalQuery query, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many passages hold each word (matched as a prefix), and how many passages there are: the document
    /// frequencies that tell a question's rare words from its common ones.
    /// </summary>
    Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken = default);

    /// <summary>The stem the index gives each word (the word itself when it gives none).</summary>
    Task<List<(string Word, string Stem)>> StemAsync(IReadOnlyList<string> words, CancellationToken cancellationToken = default);

    /// <summary>Every stem in the index with the number of passages holding it.</summary>
    Task<Dictionary<string, long>> ReadVocabularyAsync(CancellationToken cancellationToken = default);
}

/// <summary>Words to look for (any of them); the title counts more than the body.</summary>
public sealed record LexicalQuery(IReadOnlyList<LexicalTerm> Terms);

/// <summary>One word of a <see cref="LexicalQuery"/>; <see cref="Prefix"/> also matches longer words that start with it.</summary>
public sealed record LexicalTerm(string Word, bool Prefix);

/// <summary>Passages holding each of some words (<see cref="Counts"/>, in the order asked) out of <see cref="Passages"/>.</summary>
public sealed record PassageTermCounts(long Passages, IReadOnlyList<long> Counts);
