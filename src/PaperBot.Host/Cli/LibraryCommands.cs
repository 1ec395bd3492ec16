using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using Spectre.Console;

namespace PaperBot.Host.Cli;

/// <summary>Library verbs: ingest, search, papers list/show/remove, stats, reindex, library copy.</summary>
internal static class LibraryCommands
{
    private const int MaxTop = 100;

    public static void AddTo(RootCommand root, IServiceProvider services, AppIo io)
    {
        root.Subcommands.Add(IngestCommand(services, io));
        root.Subcommands.Add(SearchCommand(services, io));
        root.Subcommands.Add(PapersCommand(services, io));
        root.Subcommands.Add(StatsCommand(services, io));
        root.Subcommands.Add(ReindexCommand(services, io));
        root.Subcommands.Add(LibraryCopyCommand.Build(services, io));
    }

    private static Command ReindexCommand(IServiceProvider services, AppIo io)
    {
        var command = new Command("reindex", "Rebuild the vector index saved beside the library from the stored vectors (a model change does this on its own).");
        command.SetAction((_, ct) => CliRunner.RunAsync(io, async () =>
        {
            await EnsureSeededAsync(services, io, ct);
            var passages = await services.GetRequiredService<HybridSearch>().RebuildVectorIndexAsync(ct);
            await io.Out.WriteLineAsync($"vector index rebuilt: {passages} passages");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command IngestCommand(IServiceProvider services, AppIo io)
    {
        var inputs = new Argument<string[]>("input") { Description = "Files or http(s) URLs to ingest", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "Input format (default: detected from the content)", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong([.. FormatNames.Keys]);
        var command = new Command("ingest", "Add papers from files or URLs (HF page text, HF daily JSON, arXiv Atom or OAI XML, JSON Lines, PDF).") { inputs, format };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var ingestor = services.GetRequiredService<PaperIngestor>();
            // A user who brings their own papers first does not get the sample collection mixed in later.
            await services.GetRequiredService<LibrarySeeder>().MarkSeededAsync(ct);
            var failed = false;
            foreach (var input in parse.GetValue(inputs)!)
            {
                try
                {
                    var report = await WithProgressAsync(io, input, progress => ingestor.IngestAsync(input, FormatNames[parse.GetValue(format)!], progress, ct));
                    await io.Out.WriteLineAsync(
                        $"{input}: {report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, {report.Skipped.Count} skipped ({FormatName(report.Format)})");
                    foreach (var skipped in report.Skipped)
                    {
                        await io.Error.WriteLineAsync($"{input}: {skipped.Position}: {skipped.Reason}; skipped");
                    }

                    failed |= report.Skipped.Count > 0;
                }
                catch (IngestException ex)
                {
                    await io.Error.WriteLineAsync("error: " + ex.Message);
                    failed = true;
                }
            }

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command SearchCommand(IServiceProvider services, AppIo io)
    {
        var query = new Argument<string?>("query") { Description = "What to look for; without it, one query a line is read from standard input (JSON out)", Arity = ArgumentArity.ZeroOrOne };
        var top = new Option<int>("--top", "-k") { Description = "How many results", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON object per query" };
        var command = new Command("search", "Find papers by meaning and by words (hybrid search).") { query, top, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var k = parse.GetValue(top);
            if (k is < 1 or > MaxTop)
            {
                throw new UserFacingException($"--top must be between 1 and {MaxTop}; got {k}.");
            }

            var search = services.GetRequiredService<HybridSearch>();
            await EnsureSeededAsync(services, io, ct);
            var text = parse.GetValue(query);
            if (text is null)
            {
                // Batch mode: the model and index load once for every query.
                while (await io.In.ReadLineAsync(ct) is { } line)
                {
                    if (line.Trim().Length > 0)
                    {
                        await io.Out.WriteLineAsync(ToJson(line.Trim(), await search.SearchAsync(line, k, ct)));
                    }
                }

                return ExitCodes.Ok;
            }

            var hits = await search.SearchAsync(text, k, ct);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(ToJson(text, hits));
                return ExitCodes.Ok;
            }

            if (hits.Count == 0)
            {
                await io.Out.WriteLineAsync("No papers found. The library is empty: add papers with 'paperbot ingest'.");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "Score", "Id", "Title");
            var rank = 0;
            foreach (var hit in hits)
            {
                table.AddRow(
                    (++rank).ToString(CultureInfo.InvariantCulture),
                    hit.Score.ToString("0.0000", CultureInfo.InvariantCulture),
                    Markup.Escape(hit.Paper.Id),
                    Markup.Escape(hit.Paper.Title));
            }

            CreateConsole(io).Write(table);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command PapersCommand(IServiceProvider services, AppIo io)
    {
        var since = new Option<string?>("--since") { Description = "Only papers added on or after this date (YYYY-MM-DD)" };
        var list = new Command("list", "List papers, newest first.") { since };
        list.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text)
            {
                from = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed
                    : throw new UserFacingException($"--since: '{text}' is not a date; use YYYY-MM-DD.");
            }

            await EnsureSeededAsync(services, io, ct);
            var papers = await services.GetRequiredService<IPaperStore>().ListAsync(from, null, ct);
            foreach (var paper in papers)
            {
                await io.Out.WriteLineAsync($"{paper.Id}\t{paper.AddedAt:yyyy-MM-dd}\t{paper.Title}");
            }

            await io.Error.WriteLineAsync($"{papers.Count} paper(s)");
            return ExitCodes.Ok;
        }, ct));

        var showId = new Argument<string>("paper") { Description = "Paper id or a unique title prefix" };
        var show = new Command("show", "Show one paper.") { showId };
        show.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            await EnsureSeededAsync(services, io, ct);
            var paper = await services.GetRequiredService<IPaperStore>().ResolveAsync(parse.GetValue(showId)!, ct);
            await io.Out.WriteLineAsync(paper.Title);
            await io.Out.WriteLineAsync($"id:         {paper.Id}{(paper.Version > 0 ? $" (v{paper.Version})" : "")}");
            if (paper.Authors.Count > 0)
            {
                await io.Out.WriteLineAsync($"authors:    {string.Join(", ", paper.Authors)}");
            }

            if (paper.Published is { } published)
            {
                await io.Out.WriteLineAsync($"published:  {published:yyyy-MM-dd}");
            }

            if (paper.Categories.Count > 0)
            {
                await io.Out.WriteLineAsync($"categories: {string.Join(' ', paper.Categories)}");
            }

            if (paper.Link is { } link)
            {
                await io.Out.WriteLineAsync($"link:       {link}");
            }

            await io.Out.WriteLineAsync($"added:      {paper.AddedAt:yyyy-MM-dd HH:mm} UTC");
            if (paper.FullText is { } fullText)
            {
                await io.Out.WriteLineAsync($"full text:  {fullText.Length:N0} characters");
            }

            await io.Out.WriteLineAsync();
            await io.Out.WriteLineAsync(paper.Abstract);
            return ExitCodes.Ok;
        }, ct));

        var removeId = new Argument<string>("paper") { Description = "Paper id or a unique title prefix" };
        var remove = new Command("remove", "Remove a paper with its passages and cached summaries.") { removeId };
        remove.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            await EnsureSeededAsync(services, io, ct);
            var store = services.GetRequiredService<IPaperStore>();
            var paper = await store.ResolveAsync(parse.GetValue(removeId)!, ct);
            await store.RemoveAsync(paper.Id, ct);
            await io.Out.WriteLineAsync($"Removed {paper.Id} ({paper.Title}).");
            return ExitCodes.Ok;
        }, ct));

        return new Command("papers", "List, show and remove papers.") { list, show, remove };
    }

    private static Command StatsCommand(IServiceProvider services, AppIo io)
    {
        var command = new Command("stats", "Library size, embedding model and file location.");
        command.SetAction((_, ct) => CliRunner.RunAsync(io, async () =>
        {
            await EnsureSeededAsync(services, io, ct);
            var stats = await services.GetRequiredService<IPaperStore>().GetStatsAsync(ct);
            await io.Out.WriteLineAsync($"library:          {stats.Path}");
            await io.Out.WriteLineAsync($"papers:           {stats.Papers}");
            await io.Out.WriteLineAsync($"passages:         {stats.Passages} ({stats.EmbeddedPassages} embedded)");
            await io.Out.WriteLineAsync($"embedding model:  {stats.EmbeddingModel ?? "(none yet)"}");
            await io.Out.WriteLineAsync($"cached summaries: {stats.CachedSummaries}");
            await io.Out.WriteLineAsync($"file size:        {stats.FileBytes / 1024.0 / 1024.0:0.0} MiB");
            if (stats.LastAdded is { } last)
            {
                await io.Out.WriteLineAsync($"last added:       {last:yyyy-MM-dd HH:mm} UTC");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Seeds an empty library with the sample collection, telling the user why it takes a moment.</summary>
    internal static async Task EnsureSeededAsync(IServiceProvider services, AppIo io, CancellationToken cancellationToken)
    {
        var report = await WithProgressAsync(io, "sample collection", progress => services.GetRequiredService<LibrarySeeder>().EnsureSeededAsync(progress, cancellationToken));
        if (report is not null)
        {
            await io.Error.WriteLineAsync($"The library was empty: added the {report.Added} papers of the bundled sample collection.");
        }
    }

    /// <summary>A progress bar on a terminal; plain progress lines on standard error otherwise.</summary>
    internal static async Task<T> WithProgressAsync<T>(AppIo io, string source, Func<IProgress<IngestProgress>, Task<T>> work)
    {
        if (!io.IsInteractive)
        {
            var lastStage = "";
            var lastReported = -1;
            return await work(new InlineProgress<IngestProgress>(p =>
            {
                // One line per stage change and about every tenth of the way, so logs stay short.
                var step = Math.Max(1, p.Total / 10);
                if (p.Stage != lastStage || p.Done == p.Total || p.Done - lastReported >= step)
                {
                    if (p.Total > 0 || p.Stage != lastStage)
                    {
                        io.Error.WriteLine(p.Total > 0 ? $"{source}: {p.Stage} {p.Done}/{p.Total}" : $"{source}: {p.Stage}");
                    }

                    lastStage = p.Stage;
                    lastReported = p.Done;
                }
            }));
        }

        T result = default!;
        await CreateConsole(io).Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(source), maxValue: 1);
                result = await work(new InlineProgress<IngestProgress>(p =>
                {
                    task.Description = Markup.Escape($"{Path.GetFileName(source)}: {p.Stage}");
                    if (p.Total > 0)
                    {
                        task.MaxValue = p.Total;
                        task.Value = p.Done;
                    }
                }));
                task.StopTask();
            });
        return result;
    }

    internal static IAnsiConsole CreateConsole(AppIo io) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(io.Out),
        Ansi = io.IsInteractive ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = io.IsInteractive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = io.IsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
    });

    private static string ToJson(string query, IReadOnlyList<SearchHit> hits) => JsonSerializer.Serialize(
        new
        {
            query,
            results = hits.Select(h => new { id = h.Paper.Id, title = h.Paper.Title, score = Math.Round(h.Score, 6) }),
        });

    private static readonly Dictionary<string, IngestFormat> FormatNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = IngestFormat.Auto,
        ["hf-page"] = IngestFormat.HfPage,
        ["hf-daily"] = IngestFormat.HfDaily,
        ["arxiv-atom"] = IngestFormat.ArxivAtom,
        ["arxiv-oai"] = IngestFormat.ArxivOai,
        ["jsonl"] = IngestFormat.Jsonl,
        ["pdf"] = IngestFormat.Pdf,
    };

    private static string FormatName(IngestFormat format) => FormatNames.First(kv => kv.Value == format).Key;
}
