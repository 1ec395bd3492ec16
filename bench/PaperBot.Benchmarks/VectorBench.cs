using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Cloud.Unum.USearch;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>vectors --papers N</c>: nearest-neighbour search over N distinct 384-d vectors, exact float32 scan (today) against
/// our int8 exact scan and USearch HNSW (int8): build time, query p50/p95, recall@10 against the exact float32 top 10,
/// memory. The N vectors are made from the 2,072 real passage vectors of <c>quality</c>'s two libraries (run it first):
/// each a real vector plus a smaller share of another and Gaussian noise, so that there are no duplicates (a replicated
/// library has 93 copies of each vector, which makes recall meaningless). Queries: the 59 dev + held-out questions and
/// 200 arXiv titles, embedded by the real model.
/// </summary>
internal static class VectorBench
{
    public static async Task RunAsync(int count, int runs, string? cacheFolder, int connectivity, int expansionAdd, int expansionSearch)
    {
        var folder = cacheFolder ?? Path.Combine(Path.GetTempPath(), "paperbot-bench-quality");
        var real = new List<float[]>();
        foreach (var library in new[] { "dev", "arxiv-abstracts" })
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, library, "library.db")};Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT embedding FROM passages WHERE embedding IS NOT NULL";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                real.Add(PassageEmbedder.FromBlob((byte[])reader.GetValue(0)));
            }
        }

        var dimensions = real[0].Length;
        var random = new Random(42);
        var matrix = new float[(long)count * dimensions];
        var noise = new float[dimensions];
        for (var i = 0; i < count; i++)
        {
            var row = matrix.AsSpan(i * dimensions, dimensions);
            real[random.Next(real.Count)].CopyTo(row);
            TensorPrimitives.MultiplyAdd(real[random.Next(real.Count)], 0.35f, row, row);
            for (var d = 0; d < dimensions; d++)
            {
                noise[d] = (float)(Gaussian(random) * 0.25 / Math.Sqrt(dimensions));
            }

            TensorPrimitives.Add(row, noise, row);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }

        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        var texts = QualityBench.Questions("dev-questions.jsonl").Concat(QualityBench.Questions("heldout-questions.jsonl")).Select(q => q.Query)
            .Concat(QualityBench.ArxivRecords().Take(200).Select(r => r.Title)).ToList();
        var queries = (await generator.GenerateAsync(texts)).Select(e => VectorMath.Normalized(e.Vector.Span)).ToList();
        Console.WriteLine($"{count:N0} vectors of {dimensions} dimensions from {real.Count:N0} real ones; {queries.Count} real queries; {runs} runs");
        Console.WriteLine();
        Console.WriteLine("| method | build | load | memory | query p50 | p95 | recall@10 vs exact float32 |");
        Console.WriteLine("|---|---|---|---|---|---|---|");

        var exact = queries.Select(q => ExactTop(matrix, dimensions, q, 10)).ToList();
        Report("exact scan, float32 (today)", "-", "-", (long)count * dimensions * 4, runs, queries, q => ExactTop(matrix, dimensions, q, 10), exact);

        var started = Stopwatch.GetTimestamp();
        var quantized = new QuantizedVectors(dimensions, count);
        for (var i = 0; i < count; i++)
        {
            quantized.Add(matrix.AsSpan(i * dimensions, dimensions));
        }

        var quantizeTime = Stopwatch.GetElapsedTime(started);
        Report("exact scan, int8 (ours)", $"{quantizeTime.TotalSeconds:0.0} s", "-", (long)count * (dimensions + 4), runs, queries,
            q => [.. quantized.Nearest(q, 10).Select(n => n.Index)], exact);

        // "Int8 codes": our per-vector-scaled int8 codes handed to USearch as int8. Cosine ignores the scale, and the codes use
        // the whole int8 range; USearch's own float -> int8 conversion maps [-1, 1] to [-127, 127], and the components of
        // a 384-d unit vector are mostly below 0.2, so it keeps only a few levels.
        foreach (var (scalar, ownCodes) in new[] { (ScalarKind.Int8, false), (ScalarKind.Int8, true), (ScalarKind.Float16, false) })
        {
            var label = ownCodes ? "Int8 (our codes)" : scalar.ToString();
            var path = Path.Combine(folder, $"vectors-{count}-{label.Replace(' ', '_').Replace('(', '_').Replace(')', '_')}-{connectivity}-{expansionAdd}-{expansionSearch}.usearch");
            started = Stopwatch.GetTimestamp();
            string build;
            if (!File.Exists(path))
            {
                using var index = new USearchIndex(MetricKind.Cos, scalar, (ulong)dimensions, (ulong)connectivity, (ulong)expansionAdd, (ulong)expansionSearch);
                const int Batch = 10_000;
                for (var start = 0; start < count; start += Batch)
                {
                    var n = Math.Min(Batch, count - start);
                    var keys = Enumerable.Range(start, n).Select(k => (ulong)k).ToArray();
                    if (ownCodes)
                    {
                        index.Add(keys, [.. Enumerable.Range(start, n).Select(k => quantized.Prepare(matrix.AsSpan(k * dimensions, dimensions)).Codes)]);
                    }
                    else
                    {
                        index.Add(keys, [.. Enumerable.Range(start, n).Select(k => matrix.AsSpan(k * dimensions, dimensions).ToArray())]); // a batch reserves capacity once; Add(key, vector) grows it by one each time
                    }

                    Console.Error.Write($"\r  HNSW {scalar} build: {start + n:N0} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s ");
                }

                index.Save(path);
                build = $"{Stopwatch.GetElapsedTime(started).TotalSeconds:0} s";
                Console.Error.WriteLine();
            }
            else
            {
                build = "(cached)";
            }

            started = Stopwatch.GetTimestamp();
            using var loaded = new USearchIndex(path, view: true);
            var load = Stopwatch.GetElapsedTime(started);
            foreach (var k in new[] { 10, 200 })
            {
                Report($"USearch HNSW {label}, M={connectivity}, ef {expansionAdd}/{expansionSearch}, view, top {k} asked", build, $"{load.TotalMilliseconds:0} ms",
                    new FileInfo(path).Length, runs, queries,
                    q =>
                    {
                        ulong[] keys;
                        if (ownCodes)
                        {
                            loaded.Search(quantized.Prepare(q).Codes, k, out keys, out float[] _);
                        }
                        else
                        {
                            loaded.Search(q, k, out keys, out float[] _);
                        }

                        return [.. keys.Take(10).Select(key => (int)key)];
                    }, exact);
            }
        }
    }

    private static void Report(string name, string build, string load, long bytes, int runs, List<float[]> queries, Func<float[], int[]> search, List<int[]> exact)
    {
        var hits = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            hits += search(queries[q]).Take(10).Count(exact[q].Contains);
        }

        var latencies = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            foreach (var query in queries)
            {
                var start = Stopwatch.GetTimestamp();
                search(query);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {build} | {load} | {bytes / 1048576.0:0} MiB | {latencies[latencies.Count / 2]:0.00} ms | {latencies[(int)Math.Ceiling(0.95 * latencies.Count) - 1]:0.00} ms | {hits / (10.0 * queries.Count):F3} |"));
    }

    private static int[] ExactTop(float[] matrix, int dimensions, float[] query, int top)
    {
        var heap = new PriorityQueue<int, float>(top + 1);
        var count = matrix.Length / dimensions;
        for (var i = 0; i < count; i++)
        {
            var similarity = TensorPrimitives.Dot(matrix.AsSpan(i * dimensions, dimensions), query);
            if (heap.Count < top)
            {
                heap.Enqueue(i, similarity);
            }
            else if (heap.TryPeek(out _, out var worst) && similarity > worst)
            {
                heap.DequeueEnqueue(i, similarity);
            }
        }

        var result = new int[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            result[i] = heap.Dequeue();
        }

        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
