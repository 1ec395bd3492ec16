using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Benchmarks;

/// <summary>
/// <c>catchup --library PATH</c>: what one paper ingested by another process costs this process's next search. A
/// second set of stores on the same file (as a CLI <c>paperbot ingest</c> beside the bot) adds one paper per run; the
/// first search after it applies the change in place, and is timed against a search that loads the index from the
/// whole library (what every library change cost before the change sequence), and against a search with no change.
/// Interleaved run by run; medians. Writes to the library: point it at a copy.
/// </summary>
internal static class CatchUpBench
{
    private const string Query = "sparse mixture of experts routing for large language models";

    public static async Task RunAsync(string libraryPath, int runs)
    {
        using var generator = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        var libraryOptions = Options.Create(new LibraryOptions { Path = libraryPath });
        using var file = new LibraryStore(libraryOptions, TimeProvider.System, NullLogger<LibraryStore>.Instance);
        using var otherFile = new LibraryStore(libraryOptions, TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var papers = new SqlitePaperStore(file);
        var passages = new SqlitePassageStore(file);
        var lexical = new SqliteLexicalIndex(file);
        using var embedder = new PassageEmbedder(generator, passages, NullLogger<PassageEmbedder>.Instance);
        using var otherEmbedder = new PassageEmbedder(generator, new SqlitePassageStore(otherFile), NullLogger<PassageEmbedder>.Instance);
        var otherIngestor = new PaperIngestor(new SqlitePaperStore(otherFile), otherEmbedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance);
        var stats = await papers.GetStatsAsync();
        Console.WriteLine($"library: {libraryPath}: {stats.Papers:N0} papers, {stats.Passages:N0} passages");

        var configurations = new (string Name, SearchOptions Options)[]
        {
            ("int8 scan", new SearchOptions { ApproximateFromPassages = int.MaxValue }),
            ("HNSW", new SearchOptions { ApproximateFromPassages = 0 }),
        };
        var folder = Path.Combine(Path.GetTempPath(), $"paperbot-catchup-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        Console.WriteLine();
        Console.WriteLine("| index | search, no change | search after one change: applied in place | search after one change: full load | full load / in place |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, options) in configurations)
        {
            using var search = new HybridSearch(papers, passages, lexical, embedder, Options.Create(options), NullLogger<HybridSearch>.Instance);
            await search.SearchAsync(Query, 10); // the first load, and the model warmed up
            var (unchanged, inPlace, fullLoad) = (new List<double>(), new List<double>(), new List<double>());
            for (var run = 0; run < runs; run++)
            {
                var started = Stopwatch.GetTimestamp();
                await search.SearchAsync(Query, 10);
                unchanged.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                var input = Path.Combine(folder, $"{run}.jsonl");
                await File.WriteAllTextAsync(input, JsonSerializer.Serialize(new
                {
                    id = $"catchup-{Guid.NewGuid():N}",
                    title = $"Routing tokens to experts, run {run}",
                    @abstract = "A sparse mixture-of-experts layer sends each token to two of sixty-four experts chosen by a learned router.",
                }));
                await otherIngestor.IngestAsync(input);

                started = Stopwatch.GetTimestamp();
                await search.SearchAsync(Query, 10);
                inPlace.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                using var fresh = new HybridSearch(papers, passages, lexical, embedder, Options.Create(options), NullLogger<HybridSearch>.Instance);
                started = Stopwatch.GetTimestamp();
                await fresh.SearchAsync(Query, 10);
                fullLoad.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            Console.WriteLine(
                $"| {name} | {Median(unchanged):0.0} ms | {Median(inPlace):0.0} ms | {Median(fullLoad):0} ms | {Median(fullLoad) / Median(inPlace):0}x |");
            Console.Error.WriteLine($"{name}: {search.FullLoads} full load(s), {search.ChangesApplied} changes applied in place");
        }

        Directory.Delete(folder, recursive: true);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
