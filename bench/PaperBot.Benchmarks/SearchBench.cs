using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>search --papers N</c>: hybrid search latency (query embedding included) and memory on a library of N papers,
/// made by ingesting the 1,072 real papers (sample + arXiv OAI) and replicating them under new ids.
/// </summary>
internal static class SearchBench
{
    public static async Task RunAsync(int papers, int runs, string? libraryPath, string configs, bool recall)
    {
        var path = libraryPath ?? Path.Combine(Path.GetTempPath(), $"paperbot-bench-{papers}", "library.db");
        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        using var store = new LibraryStore(Options.Create(new LibraryOptions { Path = path }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var paperStore = new SqlitePaperStore(store);
        var passages = new SqlitePassageStore(store);
        var lexical = new SqliteLexicalIndex(store);
        using var embedder = new PassageEmbedder(generator, passages, NullLogger<PassageEmbedder>.Instance);

        var stats = await paperStore.GetStatsAsync();
        if (stats.Papers < papers)
        {
            await BuildAsync(store, paperStore, embedder, papers);
        }

        stats = await paperStore.GetStatsAsync();
        Console.WriteLine($"library: {path}: {stats.Papers:N0} papers, {stats.Passages:N0} passages, {stats.FileBytes / 1048576.0:0} MiB");

        // Today's path (reciprocal rank K=60 over a float32 exact scan) and the current defaults, side by side in one process.
        var defaults = new SearchOptions();
        var nowIsApproximate = stats.Passages >= defaults.ApproximateFromPassages;
        var all = new (string Key, string Name, SearchOptions Options)[]
        {
            ("now", nowIsApproximate ? "now (normalised-score fusion, HNSW, no re-rank)" : "now (normalised-score fusion, int8 scan, exact re-rank)", defaults),
            ("rerank", nowIsApproximate ? "HNSW, exact re-rank" : "int8 scan, exact re-rank", new SearchOptions { ExactRerank = ExactRerank.All }),
            ("norerank", nowIsApproximate ? "HNSW, no re-rank" : "int8 scan, no re-rank", new SearchOptions { ExactRerank = ExactRerank.Off }),
            ("scan", "int8 scan forced, exact re-rank", new SearchOptions { ApproximateFromPassages = int.MaxValue }),
            ("scan-norerank", "int8 scan forced, no re-rank", new SearchOptions { ApproximateFromPassages = int.MaxValue, ExactRerank = ExactRerank.Off }),
            ("hnsw", "HNSW forced, exact re-rank", new SearchOptions { ApproximateFromPassages = 0, ExactRerank = ExactRerank.All }),
            ("hnsw-norerank", "HNSW forced, no re-rank", new SearchOptions { ApproximateFromPassages = 0, ExactRerank = ExactRerank.Off }),
            ("graph200", "HNSW asked for 200, exact re-rank", new SearchOptions { ApproximateFromPassages = 0, GraphCandidates = 200, ExactRerank = ExactRerank.All }),
            ("graph500", "HNSW asked for 500, exact re-rank", new SearchOptions { ApproximateFromPassages = 0, GraphCandidates = 500, ExactRerank = ExactRerank.All }),
            ("graph1000", "HNSW asked for 1000, exact re-rank", new SearchOptions { ApproximateFromPassages = 0, GraphCandidates = 1000, ExactRerank = ExactRerank.All }),
            ("graph2000", "HNSW asked for 2000, exact re-rank", new SearchOptions { ApproximateFromPassages = 0, GraphCandidates = 2000, ExactRerank = ExactRerank.All }),
            ("graph200-norerank", "HNSW asked for 200, no re-rank (before)", new SearchOptions { ApproximateFromPassages = 0, GraphCandidates = 200, ExactRerank = ExactRerank.Off }),
            ("before", "before (RRF K=60, float32 scan)", new SearchOptions { Fusion = FusionMethod.ReciprocalRank, SemanticWeight = 1, LexicalWeight = 1, VectorPrecision = VectorPrecision.Full, ApproximateFromPassages = int.MaxValue }),
        };

        // In the order asked; the last one is the reference of the ratio column.
        var wanted = configs.Split(',');
        var configurations = wanted
            .Select(key => all.Single(c => c.Key == key))
            .Where(c => !(wanted.Contains("now") && c.Key == (nowIsApproximate ? "hnsw" : "scan")))
            .Where(c => !(wanted.Contains("norerank") && c.Key == (nowIsApproximate ? "hnsw-norerank" : "scan-norerank")))
            .Select(c => (c.Name, c.Options)).ToArray();
        var searches = new List<HybridSearch>();
        try
        {
            foreach (var (name, options) in configurations)
            {
                // First load: builds what is not saved yet (the HNSW graph); second load: a restart with everything saved.
                var loadStart = Stopwatch.GetTimestamp();
                using (var first = new HybridSearch(paperStore, passages, lexical, embedder, Options.Create(options), NullLogger<HybridSearch>.Instance))
                {
                    await first.WarmUpAsync();
                }

                var firstLoad = Stopwatch.GetElapsedTime(loadStart);
                GC.Collect();
                var search = new HybridSearch(paperStore, passages, lexical, embedder, Options.Create(options), NullLogger<HybridSearch>.Instance);
                searches.Add(search);
                loadStart = Stopwatch.GetTimestamp();
                await search.WarmUpAsync();
                var load = Stopwatch.GetElapsedTime(loadStart);
                GC.Collect();
                Console.WriteLine(
                    $"{name}: first load (+ model, + index build if none saved) {firstLoad.TotalMilliseconds:0} ms, load on restart {load.TotalMilliseconds:0} ms; " +
                    $"managed heap now {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:0} MiB, working set now {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:0} MiB");
            }

            var queries = Questions("dev-questions.jsonl").Concat(Questions("heldout-questions.jsonl")).ToList();
            foreach (var search in searches)
            {
                foreach (var q in queries.Take(10))
                {
                    await search.SearchAsync(q, 5); // warm-up: JIT, SQLite page cache
                }
            }

            // Interleaved: each query runs under every configuration and mode before the next, so load swings hit all alike.
            var modes = new[] { SearchMode.Hybrid, SearchMode.SemanticOnly, SearchMode.LexicalOnly };
            var latencies = new List<double>[configurations.Length, modes.Length];
            for (var c = 0; c < configurations.Length; c++)
            {
                for (var m = 0; m < modes.Length; m++)
                {
                    latencies[c, m] = [];
                }
            }

            for (var run = 0; run < runs; run++)
            {
                foreach (var query in queries)
                {
                    for (var m = 0; m < modes.Length; m++)
                    {
                        for (var c = 0; c < configurations.Length; c++)
                        {
                            var start = Stopwatch.GetTimestamp();
                            await searches[c].SearchAsync(query, 5, modes[m]);
                            latencies[c, m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine($"| {stats.Papers:N0} papers, top 5, query embedding included, {queries.Count * runs} queries | p50 | p95 | p99 | p50 ratio to the last row |");
            Console.WriteLine("|---|---|---|---|---|");
            for (var m = 0; m < modes.Length; m++)
            {
                for (var c = 0; c < configurations.Length; c++)
                {
                    var sorted = latencies[c, m].Order().ToList();
                    var before = latencies[configurations.Length - 1, m].Order().ToList(); // the last configuration is the reference
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {modes[m]}, {configurations[c].Name} | {Percentile(sorted, 0.50):0.0} ms | {Percentile(sorted, 0.95):0.0} ms | {Percentile(sorted, 0.99):0.0} ms | {Percentile(sorted, 0.50) / Percentile(before, 0.50):0.00} |"));
                }
            }

            Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB (all indexes above and the model loaded)");
            if (recall)
            {
                await RecallAsync(path, passages, embedder, [.. configurations.Select(c => c.Name)], searches);
            }
        }
        finally
        {
            foreach (var search in searches)
            {
                search.Dispose();
            }
        }
    }

    /// <summary>
    /// Recall@10 of each configuration's semantic top 10 (the embedding ranking the search fuses) against an exact float32
    /// scan over every stored vector, on the 59 questions and 200 arXiv titles; then what the re-rank's read costs.
    /// </summary>
    private static async Task RecallAsync(string path, SqlitePassageStore passages, PassageEmbedder embedder, string[] names, List<HybridSearch> searches)
    {
        var texts = Questions("dev-questions.jsonl").Concat(Questions("heldout-questions.jsonl"))
            .Concat(QualityBench.ArxivRecords().Take(200).Select(r => r.Title)).ToList();
        var queries = new List<float[]>(texts.Count);
        foreach (var text in texts)
        {
            queries.Add(await embedder.EmbedQueryAsync(text, CancellationToken.None));
        }

        var exact = await ExactTop10Async(path, passages, queries);
        Console.WriteLine();
        Console.WriteLine($"| semantic top 10 of the search path, {texts.Count} queries | recall@10 vs float32 scan | top-1 same |");
        Console.WriteLine("|---|---|---|");
        var candidateIds = new List<long[]>();
        for (var c = 0; c < searches.Count; c++)
        {
            var hits = 0;
            var firsts = 0;
            for (var q = 0; q < texts.Count; q++)
            {
                var candidates = (await searches[c].CandidatesAsync(texts[q], SearchMode.SemanticOnly, CancellationToken.None))!;
                var top = candidates.Semantic.Take(10).Select(s => candidates.Index.RowIds[s.Index]).ToList();
                hits += top.Count(exact[q].Contains);
                firsts += top.Count > 0 && top[0] == exact[q][0] ? 1 : 0;
                if (c == 0)
                {
                    candidateIds.Add([.. candidates.Semantic.Select(s => candidates.Index.RowIds[s.Index])]);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[c]} | {hits / (10.0 * texts.Count):F3} | {firsts} of {texts.Count} |"));
        }

        // The re-rank's extra work: the candidates' float32 vectors read in one statement (the store) vs one statement per id.
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await connection.OpenAsync();
        var batched = new List<double>();
        var perId = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            for (var q = 0; q < candidateIds.Count; q++)
            {
                // Alternate which read goes first: the second reads pages the first has just brought into the cache.
                var ids = candidateIds[q];
                var count = 0;
                var read = 0;
                for (var k = 0; k < 2; k++)
                {
                    var start = Stopwatch.GetTimestamp();
                    if ((k + q + run) % 2 == 0)
                    {
                        read = (await passages.ReadVectorsAsync(ids)).Count;
                        batched.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    else
                    {
                        count = await ReadOneByOneAsync(connection, ids);
                        perId.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }

                if (count != read)
                {
                    throw new InvalidOperationException($"read {read} vectors in one statement but {count} one by one");
                }
            }
        }

        batched.Sort();
        perId.Sort();
        Console.WriteLine();
        Console.WriteLine($"| reading the {candidateIds.Max(i => i.Length)} candidates' float32 vectors, {batched.Count} reads | p50 | p95 |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one statement (rowid IN json_each) | {Percentile(batched, 0.50):0.00} ms | {Percentile(batched, 0.95):0.00} ms |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one statement per id | {Percentile(perId, 0.50):0.00} ms | {Percentile(perId, 0.95):0.00} ms |"));
    }

    private static async Task<int> ReadOneByOneAsync(Microsoft.Data.Sqlite.SqliteConnection connection, long[] ids)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, paper_id, chunk, embedding FROM passages WHERE rowid = $r AND length(embedding) > 0";
        var parameter = command.Parameters.Add("$r", Microsoft.Data.Sqlite.SqliteType.Integer);
        var count = 0;
        foreach (var id in ids)
        {
            parameter.Value = id;
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                _ = (byte[])reader.GetValue(3);
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// The exact float32 top 10 passage ids of each query over every stored vector, streamed (no 1.5 GB matrix at 1M) and
    /// kept in a file under the temp folder (not beside the library) for the next run.
    /// </summary>
    private static async Task<List<long[]>> ExactTop10Async(string path, SqlitePassageStore passages, List<float[]> queries)
    {
        var shape = await passages.GetVectorShapeAsync();
        var cache = Path.Combine(Path.GetTempPath(), $"paperbot-bench-exact-top10-{shape.WithVectors}-{queries.Count}.txt");
        if (File.Exists(cache))
        {
            Console.WriteLine($"exact float32 top 10: {cache}");
            return [.. File.ReadLines(cache).Select(l => l.Split(' ').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray())];
        }

        var started = Stopwatch.GetTimestamp();
        var tops = queries.Select(_ => new PriorityQueue<long, float>()).ToArray();
        var floors = new float[queries.Count];
        Array.Fill(floors, float.MinValue);
        await foreach (var passage in passages.ReadAllWithVectorsAsync())
        {
            var vector = passage.Vector!;
            if (vector.Length != queries[0].Length)
            {
                continue;
            }

            for (var q = 0; q < queries.Count; q++)
            {
                var similarity = TensorPrimitives.Dot(vector, queries[q]);
                if (tops[q].Count < 10)
                {
                    tops[q].Enqueue(passage.Id, similarity);
                }
                else if (similarity > floors[q])
                {
                    tops[q].EnqueueDequeue(passage.Id, similarity);
                }
                else
                {
                    continue;
                }

                if (tops[q].Count == 10)
                {
                    tops[q].TryPeek(out _, out floors[q]);
                }
            }
        }

        var result = new List<long[]>(queries.Count);
        foreach (var top in tops)
        {
            var ranked = new List<(long Id, float Similarity)>();
            while (top.TryDequeue(out var id, out var similarity))
            {
                ranked.Add((id, similarity));
            }

            result.Add([.. ranked.OrderByDescending(r => r.Similarity).Select(r => r.Id)]);
        }

        await File.WriteAllLinesAsync(cache, result.Select(ids => string.Join(' ', ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))));
        Console.WriteLine($"exact float32 top 10 over {shape.WithVectors:N0} vectors in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s (kept in {cache})");
        return result;
    }

    private static async Task BuildAsync(LibraryStore store, IPaperStore paperStore, PassageEmbedder embedder, int papers)
    {
        var ingestor = new PaperIngestor(paperStore, embedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance);
        var started = Stopwatch.GetTimestamp();
        await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "samples", "hf-papers-page-sample.txt"));
        await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "arxiv-oai-arxivraw-1000.xml"));
        Console.WriteLine($"ingested the 1,072 real papers in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");

        // Copies of the real papers under new ids, with their passages and FTS rows: realistic text statistics without
        // embedding 100k abstracts again. Each copy's vector is its original plus 0.35 of another real vector plus noise,
        // renormalised: distinct vectors (exact copies would make approximate search and its recall meaningless).
        await using var connection = await store.OpenAsync(CancellationToken.None);
        var originals = await CountAsync(connection, "SELECT count(*) FROM papers WHERE id NOT LIKE '%#%'");
        var passages = new List<(string PaperId, int Chunk, string Text, float[] Vector)>();
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT paper_id, chunk, text, embedding FROM passages WHERE paper_id NOT LIKE '%#%' AND embedding IS NOT NULL";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                passages.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), PassageEmbedder.FromBlob((byte[])reader.GetValue(3))));
            }
        }

        await using (var temp = connection.CreateCommand())
        {
            temp.CommandText = "CREATE TEMP TABLE original_papers AS SELECT * FROM papers WHERE id NOT LIKE '%#%'";
            await temp.ExecuteNonQueryAsync();
        }

        var copies = 0L;
        var rounds = Math.Max(0, (papers - originals + originals - 1) / originals);
        var dimensions = passages[0].Vector.Length;
        var vector = new float[dimensions];
        for (var k = 1; k <= rounds; k++)
        {
            var random = new Random(k);
            var before = await CountAsync(connection, "SELECT coalesce(max(rowid), 0) FROM passages");
            await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync();
            var suffix = "#" + k.ToString(CultureInfo.InvariantCulture);
            await ExecuteAsync(connection, transaction, $"""
                INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
                SELECT id || '{suffix}', title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash
                FROM original_papers;
                """);
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO passages (paper_id, chunk, text, embedding) VALUES ($p, $c, $t, $e)";
                var p = insert.Parameters.Add("$p", Microsoft.Data.Sqlite.SqliteType.Text);
                var c = insert.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Integer);
                var t = insert.Parameters.Add("$t", Microsoft.Data.Sqlite.SqliteType.Text);
                var e = insert.Parameters.Add("$e", Microsoft.Data.Sqlite.SqliteType.Blob);
                foreach (var passage in passages)
                {
                    passage.Vector.CopyTo(vector, 0);
                    TensorPrimitives.MultiplyAdd(passages[random.Next(passages.Count)].Vector, 0.35f, vector, vector);
                    for (var d = 0; d < dimensions; d++)
                    {
                        vector[d] += (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 0.25 / Math.Sqrt(dimensions));
                    }

                    TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
                    p.Value = passage.PaperId + suffix;
                    c.Value = passage.Chunk;
                    t.Value = passage.Text;
                    e.Value = System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
                    await insert.ExecuteNonQueryAsync();
                }
            }

            await ExecuteAsync(connection, transaction, $"""
                INSERT INTO passages_fts (rowid, title, body)
                SELECT p.rowid, CASE WHEN p.chunk = 0 THEN pa.title ELSE '' END,
                       CASE WHEN p.chunk = 0 THEN ltrim(substr(p.text, length(pa.title) + 1)) ELSE p.text END
                FROM passages p JOIN papers pa ON pa.id = p.paper_id WHERE p.rowid > {before};
                UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation';
                """);
            await transaction.CommitAsync();
            copies += originals;
            if (k % 50 == 0)
            {
                Console.Error.Write($"\r  {originals + copies:N0} papers in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s ");
            }
        }

        Console.WriteLine($"replicated to {originals + copies:N0} papers in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
    }

    private static IEnumerable<string> Questions(string file) =>
        File.ReadLines(Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", file))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("query").GetString()!);

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<long> CountAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
