using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>search --papers N</c>: hybrid search latency (query embedding included) and memory on a library of N papers,
/// made by ingesting the 1,072 real papers (sample + arXiv OAI) and replicating them under new ids.
/// </summary>
internal static class SearchBench
{
    public static async Task RunAsync(int papers, int runs, string? libraryPath)
    {
        var path = libraryPath ?? Path.Combine(Path.GetTempPath(), $"paperbot-bench-{papers}", "library.db");
        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        using var store = new LibraryStore(Options.Create(new LibraryOptions { Path = path }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        using var embedder = new PassageEmbedder(generator, store, NullLogger<PassageEmbedder>.Instance);
        using var search = new HybridSearch(store, embedder, Options.Create(new SearchOptions()), NullLogger<HybridSearch>.Instance);

        var stats = await store.GetStatsAsync();
        if (stats.Papers < papers)
        {
            await BuildAsync(store, embedder, papers);
        }

        stats = await store.GetStatsAsync();
        Console.WriteLine($"library: {path}: {stats.Papers:N0} papers, {stats.Passages:N0} passages, {stats.FileBytes / 1048576.0:0} MiB");

        var loadStart = Stopwatch.GetTimestamp();
        await search.WarmUpAsync();
        var load = Stopwatch.GetElapsedTime(loadStart);
        GC.Collect();
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"index load + model load: {load.TotalMilliseconds:0} ms; managed heap {managed / 1048576.0:0} MiB, working set {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:0} MiB");

        var queries = Questions("dev-questions.jsonl").Concat(Questions("heldout-questions.jsonl")).ToList();
        foreach (var q in queries.Take(10))
        {
            await search.SearchAsync(q, 5); // warm-up: JIT, SQLite page cache
        }

        foreach (var mode in new[] { SearchMode.Hybrid, SearchMode.SemanticOnly, SearchMode.LexicalOnly })
        {
            var latencies = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                foreach (var query in queries)
                {
                    var start = Stopwatch.GetTimestamp();
                    await search.SearchAsync(query, 5, mode);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            latencies.Sort();
            Console.WriteLine(
                $"{mode} search (top 5, query embedding included), {latencies.Count} queries: " +
                $"p50 {Percentile(latencies, 0.50):0.0} ms, p95 {Percentile(latencies, 0.95):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms");
        }
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");
    }

    private static async Task BuildAsync(LibraryStore store, PassageEmbedder embedder, int papers)
    {
        var ingestor = new PaperIngestor(store, embedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance);
        var started = Stopwatch.GetTimestamp();
        await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "samples", "hf-papers-page-sample.txt"));
        await ingestor.IngestAsync(Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "arxiv-oai-arxivraw-1000.xml"));
        Console.WriteLine($"ingested the 1,072 real papers in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");

        // Copies of the real papers under new ids, with their passages, vectors and FTS rows: realistic text and
        // vector statistics without embedding 100k abstracts again.
        await using var connection = await store.OpenAsync(CancellationToken.None);
        var originals = await CountAsync(connection, "SELECT count(*) FROM papers WHERE id NOT LIKE '%#%'");
        var copies = 0L;
        var rounds = Math.Max(0, (papers - originals + originals - 1) / originals);
        for (var k = 1; k <= rounds; k++)
        {
            await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync();
            var suffix = "#" + k.ToString(CultureInfo.InvariantCulture);
            await ExecuteAsync(connection, transaction, $"""
                INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
                SELECT id || '{suffix}', title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash
                FROM papers WHERE id NOT LIKE '%#%';
                INSERT INTO passages (paper_id, chunk, text, embedding)
                SELECT paper_id || '{suffix}', chunk, text, embedding FROM passages WHERE paper_id NOT LIKE '%#%';
                INSERT INTO passages_fts (rowid, title, body)
                SELECT p.rowid, CASE WHEN p.chunk = 0 THEN pa.title ELSE '' END,
                       CASE WHEN p.chunk = 0 THEN ltrim(substr(p.text, length(pa.title) + 1)) ELSE p.text END
                FROM passages p JOIN papers pa ON pa.id = p.paper_id WHERE p.paper_id LIKE '%{suffix}';
                UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation';
                """);
            await transaction.CommitAsync();
            copies += originals;
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
