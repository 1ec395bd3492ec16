using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Usage;
using PaperBot.Store.Postgres;

namespace PaperBot.Benchmarks;

/// <summary>
/// The shared stores on SQLite and on PostgreSQL, side by side and interleaved: per-call latency of the calls made
/// on every answer (usage upsert, answer save + read) and digest claims raced by two processes (each with its own
/// connection pool), checked to be won exactly once. The PostgreSQL server comes from PAPERBOT_BENCH_POSTGRES
/// (a connection string allowed to create databases); a throwaway database is created and dropped.
/// </summary>
internal static class StoreBench
{
    public static async Task RunAsync(int runs, int calls)
    {
        var admin = Environment.GetEnvironmentVariable("PAPERBOT_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set PAPERBOT_BENCH_POSTGRES to a PostgreSQL connection string (source .ci/postgres.sh; postgres_start exports PAPERBOT_TEST_POSTGRES).");
        var name = "paperbot_bench_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        var folder = Path.Combine(Path.GetTempPath(), "paperbot-store-bench", name);
        Directory.CreateDirectory(folder);
        try
        {
            var postgres = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            var results = new Dictionary<string, List<double>>();
            for (var run = 0; run < runs; run++)
            {
                foreach (var backend in new[] { "sqlite", "postgres" })
                {
                    await using var first = Open(backend, postgres, Path.Combine(folder, "library.db"));
                    await using var second = Open(backend, postgres, Path.Combine(folder, "library.db"));
                    var usage = await TimeEachAsync(calls, i => first.Usage.AddAsync("guild:" + (i % 10), new DateOnly(2026, 11, 1), 100));
                    var answers = await TimeEachAsync(calls, async i =>
                    {
                        var id = await first.Answers.SaveAsync(new StoredAnswer(0, "g", "c", "u", "question " + i, "answer", AnswerMode.Extractive, [], DateTimeOffset.UtcNow));
                        _ = await first.Answers.GetAsync(id);
                    });
                    var (claimsPerSecond, won) = await RaceClaimsAsync(first.Digests, second.Digests, calls, run);
                    if (won != calls)
                    {
                        throw new InvalidOperationException($"{backend}: {won} claims won for {calls} occurrences");
                    }

                    Add(results, $"{backend} usage p50", Percentile(usage, 0.50));
                    Add(results, $"{backend} usage p95", Percentile(usage, 0.95));
                    Add(results, $"{backend} answer p50", Percentile(answers, 0.50));
                    Add(results, $"{backend} answer p95", Percentile(answers, 0.95));
                    Add(results, $"{backend} claims/s", claimsPerSecond);
                }

                Console.Error.WriteLine($"  run {run + 1}/{runs} done, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            }

            Console.WriteLine($"{calls} calls per measure, median of {runs} interleaved runs");
            Console.WriteLine();
            Console.WriteLine("| measure | SQLite | PostgreSQL | PostgreSQL / SQLite |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var measure in new[] { "usage p50", "usage p95", "answer p50", "answer p95", "claims/s" })
            {
                var sqlite = Median(results["sqlite " + measure]);
                var pg = Median(results["postgres " + measure]);
                var unit = measure.EndsWith("/s", StringComparison.Ordinal) ? "" : " ms";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {measure} | {sqlite:F2}{unit} | {pg:F2}{unit} | {pg / sqlite:F2}x |"));
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Stores Open(string backend, string postgres, string libraryPath)
    {
        var library = new LibraryStore(Options.Create(new LibraryOptions { Path = libraryPath }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        if (backend == "sqlite")
        {
            return new Stores(new SqliteUsageStore(library), new SqliteAnswerStore(library), new SqliteDigestStore(library), library, null);
        }

        var database = new PostgresLibrary(postgres, NullLogger<PostgresLibrary>.Instance);
        return new Stores(
            new PostgresUsageStore(database), new PostgresAnswerStore(database), new PostgresDigestStore(database, new SqliteDigestStore(library)), library, database);
    }

    /// <summary>Two processes race for every occurrence of a new subscription; returns claims decided per second and how many were won.</summary>
    private static async Task<(double PerSecond, int Won)> RaceClaimsAsync(IDigestStore first, IDigestStore second, int occurrences, int run)
    {
        var subscription = await first.UpsertSubscriptionAsync(
            new SubscriptionDraft(null, $"bench-{run}-{Guid.NewGuid():N}", "bench", [], "0 9 * * *", "UTC", 5, 0, null), DateTimeOffset.UtcNow, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var won = await Task.WhenAll(new[] { (first, "a/1/aaaaaaaa"), (second, "b/2/bbbbbbbb") }.Select(p => Task.Run(async () =>
        {
            var count = 0;
            for (var i = 0; i < occurrences; i++)
            {
                count += await p.Item1.TryClaimAsync(subscription.Id, "o" + i.ToString(CultureInfo.InvariantCulture), p.Item2, now, now.AddMinutes(5), CancellationToken.None) is null ? 0 : 1;
            }

            return count;
        })));
        watch.Stop();
        return (occurrences / watch.Elapsed.TotalSeconds, won.Sum());
    }

    private static async Task<List<double>> TimeEachAsync(int calls, Func<int, Task> call)
    {
        await call(-1); // the first call opens the pool (and migrates)
        var times = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var watch = Stopwatch.StartNew();
            await call(i);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static void Add(Dictionary<string, List<double>> results, string key, double value)
    {
        if (!results.TryGetValue(key, out var list))
        {
            results[key] = list = [];
        }

        list.Add(value);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Stores(IUsageStore Usage, IAnswerStore Answers, IDigestStore Digests, LibraryStore Library, PostgresLibrary? Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Library.Dispose();
            if (Database is not null)
            {
                await Database.DisposeAsync();
            }
        }
    }
}
