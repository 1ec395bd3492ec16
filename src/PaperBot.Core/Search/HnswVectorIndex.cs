using System.Text.Json;
using Cloud.Unum.USearch;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// Approximate nearest-neighbour search over passage vectors for large libraries: a USearch HNSW graph over the
/// vectors' int8 codes (<see cref="QuantizedVectors"/>), keyed by passage rowid and kept in three files beside the
/// library (<c>.vectors.usearch</c>, <c>.vectors.keys</c>, <c>.vectors.json</c>). It is brought up to date by
/// comparing its keys with the library's passages when it is opened (<see cref="CatchUpAsync"/>: a crash between a
/// library change and a save ends in a catch-up of only the difference), then by the library's change sequence while it
/// runs (<see cref="Apply"/>: ingest, update and remove, from this process or another).
/// A model change (or a change of the graph settings) starts a new graph.
/// </summary>
internal sealed class HnswVectorIndex : IDisposable
{
    internal const int Connectivity = 16;
    internal const int ExpansionAdd = 64;
    internal const int ExpansionSearch = 128;
    private const int Format = 1;
    private const int SaveAfterChanges = 1000;

    private readonly Lock _lock = new();
    private readonly string _indexPath;
    private readonly string _keysPath;
    private readonly string _statePath;
    private readonly string _model;
    private readonly int _dimensions;
    private readonly ILogger _logger;
    private USearchIndex _index;
    private bool _isView;
    private long[] _keys;
    private int _unsaved;

    private HnswVectorIndex(string libraryPath, string model, int dimensions, ILogger logger)
    {
        _indexPath = libraryPath + ".vectors.usearch";
        _keysPath = libraryPath + ".vectors.keys";
        _statePath = libraryPath + ".vectors.json";
        _model = model;
        _dimensions = dimensions;
        _logger = logger;
        (_index, _keys, _isView) = TryLoad() ?? (NewIndex(), [], false);
    }

    public int Count => _keys.Length;

    public string Model => _model;

    public int Dimensions => _dimensions;

    /// <summary>Opens the index saved beside the library, or starts an empty one when there is none for this model.</summary>
    public static HnswVectorIndex Open(string libraryPath, string model, int dimensions, ILogger logger) => new(libraryPath, model, dimensions, logger);

    /// <summary>Deletes the saved index of a library (the next search builds a new one).</summary>
    public static void Delete(string libraryPath)
    {
        foreach (var suffix in new[] { ".vectors.json", ".vectors.keys", ".vectors.usearch" })
        {
            File.Delete(libraryPath + suffix);
        }
    }

    /// <summary>
    /// Adds the passages of <paramref name="libraryRowIds"/> (sorted) that the index lacks, reading their vectors from
    /// the library, and removes the keys the library no longer has. Saves when enough has changed since the last save.
    /// </summary>
    public async Task<(int Added, int Removed)> CatchUpAsync(IPassageStore passages, long[] libraryRowIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentNullException.ThrowIfNull(libraryRowIds);
        long[] keys;
        lock (_lock)
        {
            keys = _keys;
        }

        var (toAdd, toRemove) = Difference(keys, libraryRowIds);
        if (toAdd.Count == 0 && toRemove.Count == 0)
        {
            return (0, 0);
        }

        const int Batch = 4096;
        var added = 0;
        lock (_lock)
        {
            ApplyLocked(toRemove, []);
        }

        for (var start = 0; start < toAdd.Count; start += Batch)
        {
            var batch = await passages.ReadVectorsAsync(toAdd.GetRange(start, Math.Min(Batch, toAdd.Count - start)), cancellationToken);
            lock (_lock)
            {
                added += ApplyLocked([], batch);
            }
        }

        lock (_lock)
        {
            // A first build is saved at once: it is the expensive part to repeat.
            if (_unsaved >= SaveAfterChanges || (added > 0 && added == _keys.Length))
            {
                SaveLocked();
            }
        }

        return (added, toRemove.Count);
    }

    /// <summary>
    /// Removes <paramref name="remove"/> and adds (or replaces) the passages of <paramref name="add"/> with their
    /// vectors: the library's changes applied in place. Saves when enough has changed since the last save.
    /// </summary>
    public void Apply(IReadOnlyCollection<long> remove, IReadOnlyList<StoredPassage> add)
    {
        ArgumentNullException.ThrowIfNull(remove);
        ArgumentNullException.ThrowIfNull(add);
        if (remove.Count == 0 && add.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            ApplyLocked(remove, add);
            if (_unsaved >= SaveAfterChanges)
            {
                SaveLocked();
            }
        }
    }

    private int ApplyLocked(IReadOnlyCollection<long> remove, IReadOnlyList<StoredPassage> add)
    {
        if (_isView)
        {
            // Opened as a read-only memory-mapped view (fast, nothing copied); changes need it in memory.
            var loaded = new USearchIndex(_indexPath);
            _index.Dispose();
            (_index, _isView) = (loaded, false);
        }

        var removed = new HashSet<long>();
        foreach (var key in remove)
        {
            if (_index.Contains((ulong)key))
            {
                _index.Remove((ulong)key);
            }

            removed.Add(key);
        }

        var batch = new List<(long Key, sbyte[] Codes)>(add.Count);
        foreach (var passage in add)
        {
            if (passage.Vector is not { Length: > 0 } vector)
            {
                continue;
            }

            if (_index.Contains((ulong)passage.Id))
            {
                _index.Remove((ulong)passage.Id); // a replaced vector, or left by a save that did not finish
            }

            var codes = new sbyte[vector.Length];
            QuantizedVectors.Quantize(vector, codes);
            batch.Add((passage.Id, codes));
        }

        if (batch.Count > 0)
        {
            // One call per batch: the binding reserves capacity for the whole batch once (Add of one vector grows it by one).
            _index.Add([.. batch.Select(b => (ulong)b.Key)], [.. batch.Select(b => b.Codes)]);
        }

        var addedKeys = batch.Select(b => b.Key).Order().ToArray();
        var replaced = new HashSet<long>(addedKeys);
        _keys = Merge([.. _keys.Where(k => !removed.Contains(k) && !replaced.Contains(k))], addedKeys);
        _unsaved += batch.Count + removed.Count;
        return batch.Count;
    }

    /// <summary>The <paramref name="top"/> nearest passages (rowid, cosine similarity of the int8 codes), best first.</summary>
    public List<(long RowId, float Similarity)> Nearest(ReadOnlySpan<float> query, int top)
    {
        var codes = new sbyte[_dimensions];
        QuantizedVectors.Quantize(query, codes);
        ulong[] keys;
        float[] distances;
        lock (_lock)
        {
            if (_keys.Length == 0)
            {
                return [];
            }

            _index.Search(codes, top, out keys, out distances);
        }

        var result = new List<(long, float)>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            result.Add(((long)keys[i], 1 - distances[i]));
        }

        return result;
    }

    /// <summary>Cosine similarity of a query and one passage's stored codes (0 when the passage is not indexed).</summary>
    public float Similarity(long rowId, ReadOnlySpan<float> query)
    {
        sbyte[] codes;
        lock (_lock)
        {
            if (_index.Get((ulong)rowId, out codes) < 1 || codes is null)
            {
                return 0;
            }
        }

        var queryCodes = new sbyte[_dimensions];
        QuantizedVectors.Quantize(query, queryCodes);
        var norms = Math.Sqrt((double)QuantizedVectors.Dot(codes, codes) * QuantizedVectors.Dot(queryCodes, queryCodes));
        return norms == 0 ? 0 : (float)(QuantizedVectors.Dot(codes, queryCodes) / norms);
    }

    /// <summary>Writes the index if it changed since the last save.</summary>
    public void Save()
    {
        lock (_lock)
        {
            if (_unsaved > 0)
            {
                SaveLocked();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Save();
        }
        catch (IOException ex)
        {
            // The next start catches up from the last save; losing this one costs time, not correctness.
            _logger.LogWarning(ex, "Could not save the vector index beside the library");
        }

        _index.Dispose();
    }

    private static long[] Merge(long[] a, long[] b)
    {
        var merged = new long[a.Length + b.Length];
        int i = 0, j = 0, k = 0;
        while (i < a.Length || j < b.Length)
        {
            merged[k++] = j == b.Length || (i < a.Length && a[i] < b[j]) ? a[i++] : b[j++];
        }

        return merged;
    }

    internal static (List<long> ToAdd, List<long> ToRemove) Difference(long[] indexed, long[] library)
    {
        var toAdd = new List<long>();
        var toRemove = new List<long>();
        int i = 0, j = 0;
        while (i < indexed.Length || j < library.Length)
        {
            if (j == library.Length || (i < indexed.Length && indexed[i] < library[j]))
            {
                toRemove.Add(indexed[i++]);
            }
            else if (i == indexed.Length || library[j] < indexed[i])
            {
                toAdd.Add(library[j++]);
            }
            else
            {
                i++;
                j++;
            }
        }

        return (toAdd, toRemove);
    }

    private USearchIndex NewIndex() =>
        new(MetricKind.Cos, ScalarKind.Int8, (ulong)_dimensions, Connectivity, ExpansionAdd, ExpansionSearch);

    private (USearchIndex, long[], bool)? TryLoad()
    {
        try
        {
            if (!File.Exists(_statePath) || !File.Exists(_keysPath) || !File.Exists(_indexPath))
            {
                return null;
            }

            var state = JsonSerializer.Deserialize<IndexState>(File.ReadAllText(_statePath));
            if (state is null || state != Expected(state.Count))
            {
                _logger.LogInformation("The vector index beside the library is for another model or settings; building a new one");
                return null;
            }

            var keys = ReadKeys(_keysPath);
            var index = new USearchIndex(_indexPath, view: true);
            return (index, keys, true);
        }
        catch (Exception ex) when (ex is IOException or JsonException or USearchException or InvalidDataException)
        {
            _logger.LogWarning(ex, "The vector index beside the library could not be read; building a new one");
            return null;
        }
    }

    private IndexState Expected(int count) => new(Format, _model, _dimensions, Connectivity, ExpansionAdd, ExpansionSearch, count);

    // Each file is written beside and renamed over the old one; the state goes last. A crash in between leaves files
    // whose keys may differ from the graph's: the Contains check on add and the rowid lookup on search absorb that.
    private void SaveLocked()
    {
        _index.Save(_indexPath + ".tmp");
        File.Move(_indexPath + ".tmp", _indexPath, overwrite: true);
        using (var keys = new BinaryWriter(File.Create(_keysPath + ".tmp")))
        {
            keys.Write(_keys.Length);
            foreach (var key in _keys)
            {
                keys.Write(key);
            }
        }

        File.Move(_keysPath + ".tmp", _keysPath, overwrite: true);
        File.WriteAllText(_statePath + ".tmp", JsonSerializer.Serialize(Expected(_keys.Length)));
        File.Move(_statePath + ".tmp", _statePath, overwrite: true);
        _unsaved = 0;
    }

    private static long[] ReadKeys(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var count = reader.ReadInt32();
        if (count < 0 || (long)count * sizeof(long) > reader.BaseStream.Length)
        {
            throw new InvalidDataException($"{path} is damaged.");
        }

        var keys = new long[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = reader.ReadInt64();
        }

        return keys;
    }

    private sealed record IndexState(int Format, string Model, int Dimensions, int Connectivity, int ExpansionAdd, int ExpansionSearch, int Count);
}
