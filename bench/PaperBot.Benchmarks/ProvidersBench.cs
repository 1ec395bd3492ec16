using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Store.Postgres;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>providers --papers N</c>: the SQLite and PostgreSQL providers side by side in one process. Ingest: the 1,000 arXiv OAI
/// records into a fresh SQLite library and a fresh PostgreSQL database (of <c>PAPERBOT_BENCH_POSTGRES</c>), the passages
/// embedded once beforehand and the vectors reused, so that the papers/s compare the stores. Search: hybrid search
/// (defaults, query embedding included) over the <c>search</c> library of N papers and its PostgreSQL copy, interleaved.
/// </summary>
internal static class ProvidersBench
{
    public static async Task RunAsync(int papers, int runs)
    {
        var admin = Environment.GetEnvironmentVariable("PAPERBOT_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set PAPERBOT_BENCH_POSTGRES to a PostgreSQL connection string (source .ci/postgres.sh; postgres_start exports PAPERBOT_TEST_POSTGRES).");
        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        await IngestAsync(admin, generator, runs);
        if (papers > 0)
        {
            await SearchAsync(admin, generator, papers, runs);
        }
    }

    private static async Task IngestAsync(string admin, LocalEmbeddingGenerator generator, int runs)
    {
        var fixture = Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "arxiv-oai-arxivraw-1000.xml");
        var cached = new CachedEmbeddings(generator); // not disposed: it would dispose the model, which search uses after

        // Once, untimed against the stores: fills the cache of passage vectors (and JITs the ingest path).
        var started = Stopwatch.GetTimestamp();
        await IngestSqliteAsync(cached, fixture);
        Console.WriteLine($"embedded {cached.Count:N0} passages once in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; every ingest below reuses the vectors");

        var rates = (Sqlite: new List<double>(), Postgres: new List<double>());
        for (var run = 0; run < runs; run++)
        {
            // Alternate which provider goes first, so that a load swing does not always hit the same one.
            for (var k = 0; k < 2; k++)
            {
                if ((k + run) % 2 == 0)
                {
                    rates.Sqlite.Add(await IngestSqliteAsync(cached, fixture));
                }
                else
                {
                    rates.Postgres.Add(await IngestPostgresAsync(admin, cached, fixture, run));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ingest run {run + 1}: SQLite {rates.Sqlite[^1]:0} papers/s, PostgreSQL {rates.Postgres[^1]:0} papers/s"));
        }

        var sqlite = Median(rates.Sqlite);
        var postgres = Median(rates.Postgres);
        Console.WriteLine();
        Console.WriteLine($"| ingest 1,000 arXiv OAI records into an empty library, vectors reused, median of {runs} | papers/s | ratio to SQLite |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| SQLite | {sqlite:0} | 1.00 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PostgreSQL | {postgres:0} | {postgres / sqlite:0.00} |"));
    }

    /// <summary>Ingests the fixture into a fresh SQLite library (schema made before the clock starts); papers/s.</summary>
    private static async Task<double> IngestSqliteAsync(IEmbeddingGenerator<string, Embedding<float>> generator, string fixture)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"paperbot-bench-providers-ingest-{Environment.ProcessId}");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        try
        {
            using var store = new LibraryStore(Options.Create(new LibraryOptions { Path = Path.Combine(folder, "library.db") }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
            var paperStore = new SqlitePaperStore(store);
            await paperStore.GetStatsAsync();
            return await TimeIngestAsync(paperStore, new SqlitePassageStore(store), generator, fixture);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Ingests the fixture into a fresh PostgreSQL database (migrated before the clock starts); papers/s.</summary>
    private static async Task<double> IngestPostgresAsync(string admin, IEmbeddingGenerator<string, Embedding<float>> generator, string fixture, int run)
    {
        var database = $"paperbot_bench_providers_ingest_{run}";
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
            await using var library = new PostgresLibrary(connectionString, NullLogger<PostgresLibrary>.Instance);
            await library.EnsureMigratedAsync(CancellationToken.None);
            var prefix = PostgresPassageStore.IndexFilePrefixFor(Path.Combine(Path.GetTempPath(), "paperbot-bench-providers-ingest", "library.db"), connectionString);
            return await TimeIngestAsync(
                new PostgresPaperStore(library, TimeProvider.System), new PostgresPassageStore(library, TimeProvider.System, prefix), generator, fixture);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task<double> TimeIngestAsync(IPaperStore papers, IPassageStore passages, IEmbeddingGenerator<string, Embedding<float>> generator, string fixture)
    {
        using var embedder = new PassageEmbedder(generator, passages, NullLogger<PassageEmbedder>.Instance);
        var ingestor = new PaperIngestor(papers, embedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance);
        var started = Stopwatch.GetTimestamp();
        var report = await ingestor.IngestAsync(fixture);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (report.Added == 0)
        {
            throw new InvalidOperationException($"nothing added from {fixture}");
        }

        return report.Added / seconds;
    }

    private static async Task SearchAsync(string admin, LocalEmbeddingGenerator generator, int papers, int runs)
    {
        var source = Path.Combine(Path.GetTempPath(), $"paperbot-bench-{papers}", "library.db");
        if (!File.Exists(source))
        {
            throw new InvalidOperationException($"{source} does not exist: build it first with `search --papers {papers}`.");
        }

        // A copy: opening the library and warming search up may write (schema, index files), the search library stays as is.
        var path = Path.Combine(Path.GetTempPath(), $"paperbot-bench-providers-{papers}", "library.db");
        if (!File.Exists(path) || new FileInfo(path).Length != new FileInfo(source).Length)
        {
            // With its saved index files (library.db.*), so that SQLite does not rebuild what the search library has.
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(source)!, "library.db*"))
            {
                File.Copy(file, Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileName(file)), overwrite: true);
            }
        }

        using var store = new LibraryStore(Options.Create(new LibraryOptions { Path = path }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var sqlitePapers = new SqlitePaperStore(store);
        var sqliteStats = await sqlitePapers.GetStatsAsync();

        var database = $"paperbot_bench_providers_{papers}";
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, CommandTimeout = 0 }.ConnectionString;
        if (await ScalarAsync(admin, $"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == 0)
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        }

        await using var library = new PostgresLibrary(connectionString, NullLogger<PostgresLibrary>.Instance);
        await library.EnsureMigratedAsync(CancellationToken.None);
        var postgresPapers = new PostgresPaperStore(library, TimeProvider.System);
        if ((await postgresPapers.GetStatsAsync()).Papers != sqliteStats.Papers)
        {
            var started = Stopwatch.GetTimestamp();
            var report = await new PostgresLibraryCopy(TimeProvider.System, NullLoggerFactory.Instance).CopyAsync(path, connectionString, null, CancellationToken.None);
            if (!report.Matches)
            {
                throw new InvalidOperationException("the PostgreSQL copy does not match the file: " + string.Join(", ", report.Tables.Select(t => $"{t.Table} {t.InFile}/{t.InDatabase}")));
            }

            Console.WriteLine($"copied {report.PapersCopied:N0} papers into PostgreSQL in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        }

        var postgresStats = await postgresPapers.GetStatsAsync();
        Console.WriteLine($"library: {sqliteStats.Papers:N0} papers, {sqliteStats.Passages:N0} passages in {path}; {postgresStats.Papers:N0} papers, {postgresStats.Passages:N0} passages in {library.Describe()}");

        var sqlitePassages = new SqlitePassageStore(store);
        var postgresPassages = new PostgresPassageStore(library, TimeProvider.System, PostgresPassageStore.IndexFilePrefixFor(path, connectionString));
        using var sqliteEmbedder = new PassageEmbedder(generator, sqlitePassages, NullLogger<PassageEmbedder>.Instance);
        using var postgresEmbedder = new PassageEmbedder(generator, postgresPassages, NullLogger<PassageEmbedder>.Instance);
        using var sqliteSearch = new HybridSearch(sqlitePapers, sqlitePassages, new SqliteLexicalIndex(store), sqliteEmbedder, Options.Create(new SearchOptions()), NullLogger<HybridSearch>.Instance);
        using var postgresSearch = new HybridSearch(postgresPapers, postgresPassages, new PostgresLexicalIndex(library), postgresEmbedder, Options.Create(new SearchOptions()), NullLogger<HybridSearch>.Instance);
        var searches = new[] { ("SQLite", sqliteSearch), ("PostgreSQL", postgresSearch) };
        foreach (var (name, search) in searches)
        {
            var loadStart = Stopwatch.GetTimestamp();
            await search.WarmUpAsync();
            Console.WriteLine($"{name}: search loaded (index built if none saved) in {Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds:0} ms");
        }

        var queries = Questions("dev-questions.jsonl").Concat(Questions("heldout-questions.jsonl")).ToList();
        foreach (var (_, search) in searches)
        {
            foreach (var q in queries.Take(10))
            {
                await search.SearchAsync(q, 5); // warm-up: JIT, page caches
            }
        }

        // Interleaved query by query, the first provider alternating; p50/p95 of each run, then the median over runs.
        var perRun = (Sqlite: new List<(double P50, double P95)>(), Postgres: new List<(double P50, double P95)>());
        for (var run = 0; run < runs; run++)
        {
            var latencies = (Sqlite: new List<double>(), Postgres: new List<double>());
            for (var q = 0; q < queries.Count; q++)
            {
                for (var k = 0; k < 2; k++)
                {
                    var postgres = (k + q + run) % 2 == 1;
                    var start = Stopwatch.GetTimestamp();
                    await (postgres ? postgresSearch : sqliteSearch).SearchAsync(queries[q], 5, SearchMode.Hybrid);
                    (postgres ? latencies.Postgres : latencies.Sqlite).Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            latencies.Sqlite.Sort();
            latencies.Postgres.Sort();
            perRun.Sqlite.Add((Percentile(latencies.Sqlite, 0.5), Percentile(latencies.Sqlite, 0.95)));
            perRun.Postgres.Add((Percentile(latencies.Postgres, 0.5), Percentile(latencies.Postgres, 0.95)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"search run {run + 1}: SQLite p50 {perRun.Sqlite[^1].P50:0.0} ms p95 {perRun.Sqlite[^1].P95:0.0} ms, PostgreSQL p50 {perRun.Postgres[^1].P50:0.0} ms p95 {perRun.Postgres[^1].P95:0.0} ms"));
        }

        var sqliteP50 = Median(perRun.Sqlite.Select(r => r.P50).ToList());
        var sqliteP95 = Median(perRun.Sqlite.Select(r => r.P95).ToList());
        var postgresP50 = Median(perRun.Postgres.Select(r => r.P50).ToList());
        var postgresP95 = Median(perRun.Postgres.Select(r => r.P95).ToList());
        Console.WriteLine();
        Console.WriteLine($"| {sqliteStats.Papers:N0} papers, hybrid top 5, defaults, query embedding included, {queries.Count} queries × {runs} runs (medians of the runs) | p50 | p95 | p50 ratio to SQLite | p95 ratio |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| SQLite | {sqliteP50:0.0} ms | {sqliteP95:0.0} ms | 1.00 | 1.00 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| PostgreSQL | {postgresP50:0.0} ms | {postgresP95:0.0} ms | {postgresP50 / sqliteP50:0.00} | {postgresP95 / sqliteP95:0.00} |"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> Questions(string file) =>
        File.ReadLines(Path.Combine(BenchData.RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", file))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("query").GetString()!);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>
    /// The passage vectors of the model, computed once per text and handed out again, so that repeated ingests time the
    /// stores rather than the model. Passages only: query embedding goes to the model itself (it adds a query prefix).
    /// </summary>
    private sealed class CachedEmbeddings(IEmbeddingGenerator<string, Embedding<float>> inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        private readonly Dictionary<string, Embedding<float>> _vectors = new(StringComparer.Ordinal);

        public int Count => _vectors.Count;

        public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            var missing = texts.Where(t => !_vectors.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                var computed = await base.GenerateAsync(missing, options, cancellationToken);
                for (var i = 0; i < missing.Count; i++)
                {
                    _vectors[missing[i]] = computed[i];
                }
            }

            return new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => _vectors[t]));
        }
    }
}
