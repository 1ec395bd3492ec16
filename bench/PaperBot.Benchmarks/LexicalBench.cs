using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>lexical --papers N</c>: the FTS5 BM25 query alone on the <c>search</c> library of N papers, planned the way it was
/// before (each word costed by the longest vocabulary stem it starts with; 5+ letter words always prefixed) and the
/// way it is now (each word's FTS5 stem, prefix only when cheap), interleaved query by query: latency and how many
/// passages FTS5 had to score.
/// </summary>
internal static class LexicalBench
{
    private const long PostingBudget = 4000;

    public static async Task RunAsync(int papers, int runs, string? libraryPath)
    {
        var path = libraryPath ?? Path.Combine(Path.GetTempPath(), $"paperbot-bench-{papers}", "library.db");
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await connection.OpenAsync();
        var started = Stopwatch.GetTimestamp();
        var vocabulary = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT term, doc FROM passages_vocab";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                vocabulary[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        Console.WriteLine($"{path}: vocabulary of {vocabulary.Count:N0} stems counted in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        var statistics = new TermStatistics(vocabulary);
        var queries = QualityBench.Questions("dev-questions.jsonl").Concat(QualityBench.Questions("heldout-questions.jsonl")).Select(q => q.Query).ToList();
        var plans = new List<(string Before, string Now)>();
        foreach (var query in queries)
        {
            var terms = HybridSearch.QueryTerms(query);
            plans.Add((PlanBefore(vocabulary, terms), SqliteLexicalIndex.ToMatch(HybridSearch.PlanLargeQuery(statistics, await SqliteLexicalIndex.StemAsync(connection, terms, CancellationToken.None)))));
        }

        var scored = (Before: new List<double>(), Now: new List<double>());
        foreach (var (before, now) in plans)
        {
            scored.Before.Add(await CountAsync(connection, before));
            scored.Now.Add(await CountAsync(connection, now));
        }

        var latencies = (Before: new List<double>(), Now: new List<double>());
        for (var run = 0; run < runs; run++)
        {
            foreach (var (before, now) in plans)
            {
                latencies.Before.Add(await TimeAsync(connection, before));
                latencies.Now.Add(await TimeAsync(connection, now));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| FTS5 BM25 query, top 200, {plans.Count * runs} queries | p50 | p95 | max | passages scored: median | p95 | max |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, latency, count) in new[] { ("before", latencies.Before, scored.Before), ("now", latencies.Now, scored.Now) })
        {
            latency.Sort();
            count.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Percentile(latency, 0.5):0.0} ms | {Percentile(latency, 0.95):0.0} ms | {latency[^1]:0.0} ms | {Percentile(count, 0.5):0} | {Percentile(count, 0.95):0} | {count[^1]:0} |"));
        }
    }

    /// <summary>The plan before: the longest vocabulary stem a word starts with as its cost, 5+ letter words as prefixes.</summary>
    private static string PlanBefore(Dictionary<string, long> vocabulary, List<string> terms)
    {
        var kept = new List<string>();
        long postings = 0;
        foreach (var (term, documents) in terms.Select(t => (t, LongestStemFrequency(vocabulary, t))).OrderBy(f => f.Item2))
        {
            postings += documents;
            if (kept.Count > 0 && postings > PostingBudget)
            {
                break;
            }

            kept.Add(term);
        }

        return string.Join(" OR ", terms.Where(kept.Contains).Select(w => w.Length >= 5 ? $"\"{w}\"*" : $"\"{w}\""));
    }

    private static long LongestStemFrequency(Dictionary<string, long> vocabulary, string word)
    {
        for (var length = word.Length; length >= 2; length--)
        {
            if (vocabulary.TryGetValue(word[..length], out var documents))
            {
                return documents;
            }

            if (word[length - 1] == 'y' && vocabulary.TryGetValue(string.Concat(word.AsSpan(0, length - 1), "i"), out documents))
            {
                return documents;
            }
        }

        return 0;
    }

    private static async Task<double> CountAsync(SqliteConnection connection, string match)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH $q";
        command.Parameters.AddWithValue("$q", match);
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<double> TimeAsync(SqliteConnection connection, string match)
    {
        var start = Stopwatch.GetTimestamp();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, bm25(passages_fts, 3.0, 1.0) AS score FROM passages_fts WHERE passages_fts MATCH $q ORDER BY score LIMIT 200";
        command.Parameters.AddWithValue("$q", match);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
