using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// All passage vectors in one contiguous array, scanned exactly (brute force with SIMD dot products), as float32
/// or as int8 (<see cref="VectorPrecision"/>): at 100k passages of 384 dimensions that is 150 MB or 38 MB. Large
/// libraries hold no vectors here: they search a persisted HNSW graph (<see cref="HnswVectorIndex"/>) instead.
/// </summary>
internal sealed class EmbeddingIndex
{
    private readonly float[]? _matrix;
    private readonly QuantizedVectors? _quantized;
    private readonly HnswVectorIndex? _approximate;
    private readonly Dictionary<string, List<int>> _byPaper;
    private readonly Dictionary<long, int> _byRowId;

    private EmbeddingIndex(
        long sequence, int dimensions, long[] rowIds, string[] paperIds, int[] chunks, float[]? matrix, QuantizedVectors? quantized, TermStatistics terms,
        long termPassages, HnswVectorIndex? approximate = null)
    {
        _approximate = approximate;

        Terms = terms;
        TermPassages = termPassages;
        Sequence = sequence;
        Dimensions = dimensions;
        RowIds = rowIds;
        PaperIds = paperIds;
        Chunks = chunks;
        _matrix = matrix;
        _quantized = quantized;
        _byPaper = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        _byRowId = new Dictionary<long, int>(rowIds.Length);
        for (var i = 0; i < rowIds.Length; i++)
        {
            _byRowId[rowIds[i]] = i;
            if (!_byPaper.TryGetValue(paperIds[i], out var list))
            {
                _byPaper[paperIds[i]] = list = [];
            }

            list.Add(i);
        }
    }

    /// <summary>The library change sequence number this index reflects (every change up to it is in).</summary>
    public long Sequence { get; }

    /// <summary>The number of library passages <see cref="Terms"/> was taken at.</summary>
    public long TermPassages { get; }

    /// <summary>The lexical index's vocabulary (stems) with the number of passages holding each: query-planning statistics.</summary>
    public TermStatistics Terms { get; }

    public int Dimensions { get; }

    public int Count => RowIds.Length;

    public long[] RowIds { get; }

    public string[] PaperIds { get; }

    public int[] Chunks { get; }

    /// <summary>Every passage vector of the library, by passage id.</summary>
    public static async Task<EmbeddingIndex> LoadAsync(
        IPassageStore passages, long sequence, VectorPrecision precision, TermStatistics terms, long termPassages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(passages);
        var capacity = (int)(await passages.GetVectorShapeAsync(cancellationToken)).WithVectors;
        var rowIds = new List<long>(capacity);
        var paperIds = new List<string>(capacity);
        var chunks = new List<int>(capacity);
        float[]? matrix = null;
        QuantizedVectors? quantized = null;
        var dimensions = 0;
        await foreach (var passage in passages.ReadAllWithVectorsAsync(cancellationToken))
        {
            if (rowIds.Count >= capacity)
            {
                break; // written after the count; the change sequence brings it in
            }

            var vector = passage.Vector!;
            if (dimensions == 0)
            {
                dimensions = vector.Length;
                if (precision == VectorPrecision.Quantized)
                {
                    quantized = new QuantizedVectors(dimensions, capacity);
                }
                else
                {
                    matrix = new float[(long)capacity * dimensions];
                }
            }
            else if (vector.Length != dimensions)
            {
                continue; // a vector from another model mid-migration; the re-embed pass replaces it
            }

            if (quantized is not null)
            {
                quantized.Add(vector);
            }
            else
            {
                vector.CopyTo(matrix.AsSpan(rowIds.Count * dimensions, dimensions));
            }

            rowIds.Add(passage.Id);
            paperIds.Add(passage.PaperId);
            chunks.Add(passage.Chunk);
        }

        return new EmbeddingIndex(sequence, dimensions, [.. rowIds], [.. paperIds], [.. chunks], matrix, quantized, terms, termPassages);
    }

    /// <summary>
    /// Passage ids and chunk numbers only (not the rows with their vectors), then the HNSW index caught up with them:
    /// loading a million passages reads tens of megabytes rather than gigabytes.
    /// </summary>
    public static async Task<EmbeddingIndex> LoadApproximateAsync(
        IPassageStore passages, long sequence, HnswVectorIndex approximate, TermStatistics terms, long termPassages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentNullException.ThrowIfNull(approximate);
        var rowIds = new List<long>();
        var paperIds = new List<string>();
        var chunks = new List<int>();
        await foreach (var passage in passages.ReadAllKeysAsync(cancellationToken))
        {
            rowIds.Add(passage.Id);
            paperIds.Add(passage.PaperId);
            chunks.Add(passage.Chunk);
        }

        var sorted = rowIds.ToArray();
        Array.Sort(sorted);
        await approximate.CatchUpAsync(passages, sorted, cancellationToken);
        return new EmbeddingIndex(sequence, approximate.Dimensions, [.. rowIds], [.. paperIds], [.. chunks], null, null, terms, termPassages, approximate);
    }

    /// <summary>
    /// This index with the changes of some papers applied, without reading the rest of the library: the passages of
    /// <paramref name="changedPapers"/> are dropped and <paramref name="current"/> (those papers' passages as stored
    /// now, by id; none for a removed paper) put in, in passage-id order as a full load would. Returns null when the
    /// change cannot be applied in place (vectors of another length: a new model), so the caller loads afresh.
    /// </summary>
    public EmbeddingIndex? Apply(
        long sequence, IReadOnlySet<string> changedPapers, IReadOnlyList<StoredPassage> current, TermStatistics terms, long termPassages)
    {
        ArgumentNullException.ThrowIfNull(changedPapers);
        ArgumentNullException.ThrowIfNull(current);
        if (Count == 0 && _approximate is null)
        {
            return null; // nothing to keep, and no vector array whose precision to follow
        }

        var incoming = _approximate is null ? current.Where(p => p.Vector is not null).ToList() : [.. current];
        var dimensions = Dimensions == 0 && incoming.FirstOrDefault(p => p.Vector is not null)?.Vector is { } first ? first.Length : Dimensions;
        if (incoming.Any(p => p.Vector is { } v && v.Length != dimensions))
        {
            return null;
        }

        var kept = new List<int>(Count);
        for (var i = 0; i < Count; i++)
        {
            if (!changedPapers.Contains(PaperIds[i]))
            {
                kept.Add(i);
            }
        }

        if (_approximate is not null)
        {
            var removed = new List<long>();
            foreach (var paperId in changedPapers)
            {
                removed.AddRange(PassagesOf(paperId).Select(i => RowIds[i]));
            }

            _approximate.Apply(removed, [.. incoming.Where(p => p.Vector is not null)]);
        }

        var count = kept.Count + incoming.Count;
        var rowIds = new long[count];
        var paperIds = new string[count];
        var chunks = new int[count];
        var matrix = _approximate is null && _quantized is null ? new float[(long)count * dimensions] : null;
        var quantized = _quantized is not null ? new QuantizedVectors(dimensions, count) : null;
        int k = 0, n = 0;
        for (var slot = 0; slot < count; slot++)
        {
            // Both runs are in passage-id order; merge them so that the result is what a full load would build.
            var takeOld = n == incoming.Count || (k < kept.Count && RowIds[kept[k]] < incoming[n].Id);
            if (takeOld)
            {
                var i = kept[k++];
                (rowIds[slot], paperIds[slot], chunks[slot]) = (RowIds[i], PaperIds[i], Chunks[i]);
                if (quantized is not null)
                {
                    quantized.AddCopy(_quantized!, i);
                }
                else if (matrix is not null)
                {
                    _matrix.AsSpan(i * Dimensions, Dimensions).CopyTo(matrix.AsSpan(slot * dimensions, dimensions));
                }
            }
            else
            {
                var passage = incoming[n++];
                (rowIds[slot], paperIds[slot], chunks[slot]) = (passage.Id, passage.PaperId, passage.Chunk);
                if (quantized is not null)
                {
                    quantized.Add(passage.Vector!);
                }
                else if (matrix is not null)
                {
                    passage.Vector!.CopyTo(matrix.AsSpan(slot * dimensions, dimensions));
                }
            }
        }

        return new EmbeddingIndex(sequence, dimensions, rowIds, paperIds, chunks, matrix, quantized, terms, termPassages, _approximate);
    }

    /// <summary>Whether this index searches the HNSW graph rather than scanning.</summary>
    public bool IsApproximate => _approximate is not null;

    /// <summary>Whether <see cref="Nearest"/> and <see cref="Similarity"/> are float32-exact (the float32 scan).</summary>
    public bool IsExact => _matrix is not null;

    public float Similarity(int index, ReadOnlySpan<float> query)
    {
        if (_approximate is not null)
        {
            return _approximate.Similarity(RowIds[index], query);
        }

        if (_quantized is not null)
        {
            // Exact float cosine against the int8 codes dequantised: the reported similarity stays comparable across precisions.
            return query.Length == Dimensions ? _quantized.SimilarityTo(index, query) : 0;
        }

        return TensorPrimitives.Dot(_matrix.AsSpan(index * Dimensions, Dimensions), query);
    }

    public bool TryGetIndex(long rowId, out int index) => _byRowId.TryGetValue(rowId, out index);

    public IReadOnlyList<int> PassagesOf(string paperId) => _byPaper.TryGetValue(paperId, out var list) ? list : [];

    /// <summary>
    /// The <paramref name="top"/> most similar passages, best first. The HNSW graph is asked for <paramref name="breadth"/>
    /// (when larger) and its best <paramref name="top"/> are kept: a wider search finds more of the true nearest.
    /// </summary>
    public List<(int Index, float Similarity)> Nearest(ReadOnlySpan<float> query, int top, int breadth = 0)
    {
        if (Count == 0 || query.Length != Dimensions)
        {
            return [];
        }

        if (_quantized is not null)
        {
            return _quantized.Nearest(query, top);
        }

        if (_approximate is not null)
        {
            var nearest = new List<(int, float)>(top);
            foreach (var (rowId, similarity) in _approximate.Nearest(query, Math.Max(top, breadth)))
            {
                if (nearest.Count == top)
                {
                    break;
                }

                if (_byRowId.TryGetValue(rowId, out var i))
                {
                    nearest.Add((i, similarity)); // a key the library no longer has is left out
                }
            }

            return nearest;
        }

        return TopSimilar.Select(Count, top, new Scorer(_matrix!, Dimensions, query));
    }

    private readonly ref struct Scorer(float[] matrix, int dimensions, ReadOnlySpan<float> query) : IVectorScorer
    {
        private readonly ReadOnlySpan<float> _query = query;

        public float Score(int index) => TensorPrimitives.Dot(matrix.AsSpan(index * dimensions, dimensions), _query);
    }
}
