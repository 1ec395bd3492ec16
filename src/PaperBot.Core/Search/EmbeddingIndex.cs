using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

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
        long generation, int dimensions, long[] rowIds, string[] paperIds, int[] chunks, float[]? matrix, QuantizedVectors? quantized, TermStatistics terms,
        HnswVectorIndex? approximate = null)
    {
        _approximate = approximate;

        Terms = terms;
        Generation = generation;
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


    public long Generation { get; }

    /// <summary>FTS vocabulary (porter stems) with the number of passages holding each: query-planning statistics.</summary>
    public TermStatistics Terms { get; }

    public int Dimensions { get; }

    public int Count => RowIds.Length;

    public long[] RowIds { get; }

    public string[] PaperIds { get; }

    public int[] Chunks { get; }

    public static async Task<EmbeddingIndex> LoadAsync(
        SqliteConnection connection, long generation, VectorPrecision precision, TermStatistics terms, CancellationToken cancellationToken)
    {
        int capacity;
        await using (var count = connection.CreateCommand())
        {
            count.CommandText = "SELECT count(*) FROM passages WHERE embedding IS NOT NULL";
            capacity = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var rowIds = new List<long>(capacity);
        var paperIds = new List<string>(capacity);
        var chunks = new List<int>(capacity);
        float[]? matrix = null;
        QuantizedVectors? quantized = null;
        var dimensions = 0;
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, paper_id, chunk, embedding FROM passages WHERE embedding IS NOT NULL ORDER BY rowid";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken) && rowIds.Count < capacity)
        {
            var vector = MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(3));
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

            rowIds.Add(reader.GetInt64(0));
            paperIds.Add(string.Intern(reader.GetString(1)));
            chunks.Add(reader.GetInt32(2));
        }

        return new EmbeddingIndex(generation, dimensions, [.. rowIds], [.. paperIds], [.. chunks], matrix, quantized, terms);
    }

    /// <summary>
    /// Passage ids and chunk numbers only (from the covering index, not the rows with their vectors), then the HNSW
    /// index caught up with them: loading a million passages reads tens of megabytes rather than gigabytes.
    /// </summary>
    public static async Task<EmbeddingIndex> LoadApproximateAsync(
        SqliteConnection connection, long generation, HnswVectorIndex approximate, TermStatistics terms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approximate);
        var rowIds = new List<long>();
        var paperIds = new List<string>();
        var chunks = new List<int>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT rowid, paper_id, chunk FROM passages";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rowIds.Add(reader.GetInt64(0));
                paperIds.Add(string.Intern(reader.GetString(1)));
                chunks.Add(reader.GetInt32(2));
            }
        }

        var sorted = rowIds.ToArray();
        Array.Sort(sorted);
        approximate.CatchUp(connection, sorted, cancellationToken);
        return new EmbeddingIndex(generation, approximate.Dimensions, [.. rowIds], [.. paperIds], [.. chunks], null, null, terms, approximate);
    }

    /// <summary>Passages with a vector and that vector's length, without reading the vectors.</summary>
    public static async Task<(long Passages, int Dimensions)> CountAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), (SELECT length(embedding) / 4 FROM passages WHERE embedding IS NOT NULL LIMIT 1) FROM passages";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt32(1));
    }

    /// <summary>Whether this index searches the HNSW graph rather than scanning.</summary>
    public bool IsApproximate => _approximate is not null;

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

    /// <summary>The <paramref name="top"/> most similar passages, best first.</summary>
    public List<(int Index, float Similarity)> Nearest(ReadOnlySpan<float> query, int top)
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
            foreach (var (rowId, similarity) in _approximate.Nearest(query, top))
            {
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
