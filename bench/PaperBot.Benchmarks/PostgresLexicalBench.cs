using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Store.Postgres;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>pglexical</c>: the lexical index on SQLite (FTS5, porter) and on PostgreSQL (full-text search, english snowball,
/// FTS5's BM25 computed from the query's lexemes), side by side on the same passages (copied with their ids into a
/// PostgreSQL database of <c>PAPERBOT_BENCH_POSTGRES</c>). Quality: BM25 alone on the <c>quality</c> libraries (arXiv
/// title → abstract, full and terse, and the 59 dev + held-out questions). Latency: the planned BM25 query of each of
/// the 59 questions on the <c>search</c> library of <c>--papers N</c>, each planned with its own index's stems and
/// vocabulary, interleaved query by query.
/// </summary>
internal static class PostgresLexicalBench
{
    private const int QualityLimit = 100;
    private const int LatencyLimit = 200;

    public static async Task RunAsync(int papers, int runs, string? qualityFolder)
    {
        var admin = Environment.GetEnvironmentVariable("PAPERBOT_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set PAPERBOT_BENCH_POSTGRES to a PostgreSQL connection string (source .ci/postgres.sh; postgres_start exports PAPERBOT_TEST_POSTGRES).");
        var folder = qualityFolder ?? Path.Combine(Path.GetTempPath(), "paperbot-bench-quality");

        var arxiv = QualityBench.ArxivRecords();
        var arxivQueries = arxiv.Select(r => (r.Title, new[] { r.Id })).ToList();
        var terseQueries = arxiv.Select(r => (QualityBench.ShortQuery(r.Title), new[] { r.Id })).ToList();
        var questions = QualityBench.Questions("dev-questions.jsonl").Concat(QualityBench.Questions("heldout-questions.jsonl")).ToList();

        var results = new Dictionary<string, List<int>>[2];
        using (var arxivLibrary = await OpenBothAsync(admin, Path.Combine(folder, "arxiv-abstracts", "library.db"), "quality_arxiv"))
        {
            results[0] = await RankAsync(arxivLibrary, [.. arxivQueries, .. terseQueries], byTitle: false);
        }

        using (var devLibrary = await OpenBothAsync(admin, Path.Combine(folder, "dev", "library.db"), "quality_dev"))
        {
            results[1] = await RankAsync(devLibrary, questions, byTitle: true);
            await CompareStemsAsync(devLibrary, [.. arxivQueries.Select(q => q.Title), .. questions.Select(q => q.Query)]);
        }

        Console.WriteLine();
        Console.WriteLine($"| BM25 alone | arXiv nDCG@10 | MRR@10 | recall@100 | terse nDCG@10 | recall@100 | dev + held-out nDCG@10 | top-1 (of {questions.Count}) | top-5 |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var name in new[] { "SQLite FTS5", "PostgreSQL" })
        {
            var full = results[0][name].Take(arxivQueries.Count).ToList();
            var terse = results[0][name].Skip(arxivQueries.Count).ToList();
            var dev = results[1][name];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Ndcg10(full):F3} | {Mrr10(full):F3} | {Recall(full):F3} | {Ndcg10(terse):F3} | {Recall(terse):F3} | {Ndcg10(dev):F3} | {dev.Count(r => r == 1)} | {dev.Count(r => r <= 5)} |"));
        }

        var sameTop = results[0]["SQLite FTS5"].Zip(results[0]["PostgreSQL"]).Count(p => p.First == p.Second);
        Console.WriteLine($"arXiv queries where both put the relevant paper at the same rank: {sameTop} of {results[0]["PostgreSQL"].Count}");

        if (papers > 0)
        {
            await LatencyAsync(admin, papers, runs, questions.Select(q => q.Query).ToList());
        }
    }

    private static async Task LatencyAsync(string admin, int papers, int runs, List<string> queries)
    {
        using var both = await OpenBothAsync(admin, Path.Combine(Path.GetTempPath(), $"paperbot-bench-{papers}", "library.db"), $"search_{papers}");
        var started = Stopwatch.GetTimestamp();
        var sqliteTerms = new TermStatistics(await both.Sqlite.ReadVocabularyAsync());
        var sqliteVocabularyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        var postgresTerms = new TermStatistics(await both.Postgres.ReadVocabularyAsync());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vocabulary counted: SQLite {sqliteVocabularyMs:0} ms, PostgreSQL {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms"));

        var plans = new List<(LexicalQuery Sqlite, LexicalQuery Postgres)>();
        foreach (var query in queries)
        {
            var terms = HybridSearch.QueryTerms(query);
            plans.Add((
                HybridSearch.PlanLargeQuery(sqliteTerms, await both.Sqlite.StemAsync(terms)),
                HybridSearch.PlanLargeQuery(postgresTerms, await both.Postgres.StemAsync(terms))));
        }

        foreach (var (sqlitePlan, postgresPlan) in plans.Take(5))
        {
            await both.Sqlite.SearchAsync(sqlitePlan, LatencyLimit);
            await both.Postgres.SearchAsync(postgresPlan, LatencyLimit);
        }

        var latencies = (Sqlite: new List<double>(), Postgres: new List<double>());
        for (var run = 0; run < runs; run++)
        {
            foreach (var (sqlitePlan, postgresPlan) in plans)
            {
                latencies.Sqlite.Add(await TimeAsync(() => both.Sqlite.SearchAsync(sqlitePlan, LatencyLimit)));
                latencies.Postgres.Add(await TimeAsync(() => both.Postgres.SearchAsync(postgresPlan, LatencyLimit)));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| {both.Passages:N0} passages, planned BM25 query, top {LatencyLimit}, {plans.Count * runs} queries | p50 | p95 | max |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (name, latency) in new[] { ("SQLite FTS5", latencies.Sqlite), ("PostgreSQL", latencies.Postgres) })
        {
            latency.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Percentile(latency, 0.5):0.0} ms | {Percentile(latency, 0.95):0.0} ms | {latency[^1]:0.0} ms |"));
        }
    }

    /// <summary>How often porter (FTS5) and english snowball (PostgreSQL) stem a query word differently, with examples.</summary>
    private static async Task CompareStemsAsync(BothIndexes both, IEnumerable<string> queries)
    {
        var words = queries.SelectMany(HybridSearch.QueryTerms).Distinct(StringComparer.Ordinal).ToList();
        var porter = await both.Sqlite.StemAsync(words);
        var snowball = await both.Postgres.StemAsync(words);
        var differ = porter.Zip(snowball).Where(p => !string.Equals(p.First.Stem, p.Second.Stem, StringComparison.Ordinal)).ToList();
        Console.WriteLine($"query words stemmed differently: {differ.Count} of {words.Count} distinct words, e.g. " +
            string.Join(", ", differ.Take(12).Select(p => $"{p.First.Word}: {p.First.Stem} / {p.Second.Stem}")));
    }

    private static async Task<Dictionary<string, List<int>>> RankAsync(BothIndexes both, List<(string Query, string[] Relevant)> queries, bool byTitle)
    {
        var ranks = new Dictionary<string, List<int>> { ["SQLite FTS5"] = [], ["PostgreSQL"] = [] };
        foreach (var (query, relevant) in queries)
        {
            var ids = byTitle ? relevant.Select(t => both.PaperIdsByTitle.GetValueOrDefault(t, "?")).ToArray() : relevant;
            var lexical = HybridSearch.ToLexicalQuery(query);
            ranks["SQLite FTS5"].Add(lexical is null ? int.MaxValue : RankOf(await both.Sqlite.SearchAsync(lexical, QualityLimit), both.PaperOf, ids));
            ranks["PostgreSQL"].Add(lexical is null ? int.MaxValue : RankOf(await both.Postgres.SearchAsync(lexical, QualityLimit), both.PaperOf, ids));
        }

        return ranks;
    }

    /// <summary>1-based rank of the first relevant paper (papers ranked by their best passage), or int.MaxValue.</summary>
    private static int RankOf(IReadOnlyList<(long PassageId, double Score)> hits, Dictionary<long, string> paperOf, string[] relevant)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (passage, _) in hits)
        {
            var paper = paperOf[passage];
            if (seen.Add(paper) && relevant.Contains(paper, StringComparer.Ordinal))
            {
                return seen.Count;
            }
        }

        return int.MaxValue;
    }

    /// <summary>The SQLite library at <paramref name="path"/> and a PostgreSQL copy of its papers and passages (same ids).</summary>
    private static async Task<BothIndexes> OpenBothAsync(string admin, string path, string name)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} does not exist: build it first with the quality or search verb.");
        }

        var database = "paperbot_bench_lexical_" + name;
        await using (var adminSource = NpgsqlDataSource.Create(admin))
        await using (var exists = adminSource.CreateCommand($"SELECT count(*) FROM pg_database WHERE datname = '{database}'"))
        {
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                await using var create = adminSource.CreateCommand($"CREATE DATABASE {database}");
                await create.ExecuteNonQueryAsync();
            }
        }

        var store = new LibraryStore(Options.Create(new LibraryOptions { Path = path }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var postgres = new PostgresLibrary(new NpgsqlConnectionStringBuilder(admin) { Database = database, CommandTimeout = 0 }.ConnectionString, NullLogger<PostgresLibrary>.Instance);
        var paperOf = new Dictionary<long, string>();
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var sqlite = new SqliteConnection($"Data Source={path};Mode=ReadOnly"))
        {
            await sqlite.OpenAsync();
            await using var passages = sqlite.CreateCommand();
            passages.CommandText = "SELECT rowid, paper_id FROM passages";
            await using (var reader = await passages.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    paperOf[reader.GetInt64(0)] = string.Intern(reader.GetString(1));
                }
            }

            await using var paperTitles = sqlite.CreateCommand();
            paperTitles.CommandText = "SELECT id, title FROM papers";
            await using (var reader = await paperTitles.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    titles[reader.GetString(1)] = reader.GetString(0);
                }
            }

            await CopyAsync(sqlite, postgres, paperOf.Count, path);
        }

        return new BothIndexes(new SqliteLexicalIndex(store), new PostgresLexicalIndex(postgres), paperOf, titles, paperOf.Count, [store, postgres]);
    }

    /// <summary>Copies papers and passages into PostgreSQL (the lexical trigger indexes them), unless already there.</summary>
    private static async Task CopyAsync(SqliteConnection sqlite, PostgresLibrary postgres, int passages, string path)
    {
        await using var connection = await postgres.OpenAsync(CancellationToken.None);
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM passages", connection))
        {
            if (Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == passages)
            {
                return;
            }
        }

        var started = Stopwatch.GetTimestamp();
        await using (var truncate = new NpgsqlCommand("TRUNCATE papers, lexical_totals, lexical_vocabulary CASCADE", connection))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        await using (var read = sqlite.CreateCommand())
        {
            read.CommandText = "SELECT id, title FROM papers";
            await using var reader = await read.ExecuteReaderAsync();
            await using var import = await connection.BeginBinaryImportAsync(
                "COPY papers (id, title, authors, abstract, categories, added_at, updated_at, content_hash) FROM STDIN (FORMAT BINARY)");
            var now = DateTime.UtcNow;
            while (await reader.ReadAsync())
            {
                await import.StartRowAsync();
                await import.WriteAsync(reader.GetString(0), NpgsqlDbType.Text);
                await import.WriteAsync(reader.GetString(1), NpgsqlDbType.Text);
                await import.WriteAsync("", NpgsqlDbType.Text);
                await import.WriteAsync("", NpgsqlDbType.Text);
                await import.WriteAsync("", NpgsqlDbType.Text);
                await import.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await import.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await import.WriteAsync("", NpgsqlDbType.Text);
            }

            await import.CompleteAsync();
        }

        await using (var read = sqlite.CreateCommand())
        {
            read.CommandText = "SELECT rowid, paper_id, chunk, text FROM passages ORDER BY rowid";
            await using var reader = await read.ExecuteReaderAsync();
            await using var import = await connection.BeginBinaryImportAsync("COPY passages (id, paper_id, chunk, text) FROM STDIN (FORMAT BINARY)");
            while (await reader.ReadAsync())
            {
                await import.StartRowAsync();
                await import.WriteAsync(reader.GetInt64(0), NpgsqlDbType.Bigint);
                await import.WriteAsync(reader.GetString(1), NpgsqlDbType.Text);
                await import.WriteAsync(reader.GetInt32(2), NpgsqlDbType.Integer);
                await import.WriteAsync(reader.GetString(3), NpgsqlDbType.Text);
            }

            await import.CompleteAsync();
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE papers; ANALYZE passages", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"copied {passages:N0} passages of {path} into PostgreSQL in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
    }

    private static async Task<double> TimeAsync(Func<Task<IReadOnlyList<(long, double)>>> search)
    {
        var start = Stopwatch.GetTimestamp();
        await search();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Ndcg10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1 / Math.Log2(r + 1) : 0);

    private static double Mrr10(List<int> ranks) => ranks.Average(r => r <= 10 ? 1.0 / r : 0);

    private static double Recall(List<int> ranks) => ranks.Count(r => r <= 100) / (double)ranks.Count;

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private sealed record BothIndexes(
        SqliteLexicalIndex Sqlite, PostgresLexicalIndex Postgres, Dictionary<long, string> PaperOf, Dictionary<string, string> PaperIdsByTitle,
        int Passages, IDisposable[] Owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var owned in Owned)
            {
                owned.Dispose();
            }
        }
    }
}
