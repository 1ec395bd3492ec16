using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// The lexical index's vocabulary (stems) with the number of passages holding each, for planning BM25 queries on large
/// libraries. Counting it is a pass over the whole FTS index (2 s at 100k passages), so a snapshot is kept beside the
/// library (<c>.terms</c>) and reused while the library is within 10% of the size it was taken at: planning needs
/// proportions, not exact counts.
/// </summary>
internal sealed class TermStatistics
{
    private const int Format = 1;

    public static TermStatistics Empty { get; } = new(new Dictionary<string, long>());

    /// <summary>The statistics of a library of <paramref name="passages"/> passages: from the snapshot while it is close enough, else counted and saved.</summary>
    public static async Task<TermStatistics> LoadAsync(ILexicalIndex lexical, string indexFilePrefix, long passages, CancellationToken cancellationToken)
    {
        var path = indexFilePrefix + ".terms";
        if (TryRead(path) is { } snapshot && Math.Abs(snapshot.Passages - passages) <= passages / 10)
        {
            return new TermStatistics(snapshot.Documents);
        }

        var documents = await lexical.ReadVocabularyAsync(cancellationToken);

        try
        {
            using (var writer = new BinaryWriter(File.Create(path + ".tmp")))
            {
                writer.Write(Format);
                writer.Write(passages);
                writer.Write(documents.Count);
                foreach (var (term, count) in documents)
                {
                    writer.Write(term);
                    writer.Write(count);
                }
            }

            File.Move(path + ".tmp", path, overwrite: true);
        }
        catch (IOException)
        {
            // A read-only folder costs the next start a recount, nothing else.
        }

        return new TermStatistics(documents);
    }

    private static (long Passages, Dictionary<string, long> Documents)? TryRead(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadInt32() != Format)
            {
                return null;
            }

            var passages = reader.ReadInt64();
            var count = reader.ReadInt32();
            var documents = new Dictionary<string, long>(Math.Max(0, count), StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                documents[reader.ReadString()] = reader.ReadInt64();
            }

            return (passages, documents);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ArgumentException)
        {
            return null; // damaged: count again
        }
    }

    private readonly IReadOnlyDictionary<string, long> _documents;
    private readonly string[] _sortedTerms;
    private readonly long[] _cumulativeDocuments;

    public TermStatistics(IReadOnlyDictionary<string, long> documents)
    {
        _documents = documents;
        _sortedTerms = [.. documents.Keys.Order(StringComparer.Ordinal)];
        _cumulativeDocuments = new long[_sortedTerms.Length + 1];
        for (var i = 0; i < _sortedTerms.Length; i++)
        {
            _cumulativeDocuments[i + 1] = _cumulativeDocuments[i] + documents[_sortedTerms[i]];
        }
    }

    /// <summary>Passages holding the stem.</summary>
    public long Documents(string stem) => _documents.GetValueOrDefault(stem);

    /// <summary>Passages holding any stem that starts with <paramref name="prefix"/> (a sum over stems: an upper bound).</summary>
    public long PrefixDocuments(string prefix)
    {
        var from = LowerBound(prefix);
        var to = LowerBound(prefix + char.MaxValue);
        return _cumulativeDocuments[to] - _cumulativeDocuments[from];
    }

    private int LowerBound(string value)
    {
        int lo = 0, hi = _sortedTerms.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(_sortedTerms[mid], value) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
