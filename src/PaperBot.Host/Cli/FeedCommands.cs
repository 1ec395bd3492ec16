using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core.Feeds;
using Spectre.Console;

namespace PaperBot.Host.Cli;

/// <summary><c>paperbot feeds list|fetch</c>: the configured sources, their cursors, and fetching by hand.</summary>
internal static class FeedCommands
{
    public static void AddTo(RootCommand root, IServiceProvider services, AppIo io)
    {
        var list = new Command("list", "The configured feed sources with their cursor, last success and last error.");
        list.SetAction((_, ct) => CliRunner.RunAsync(io, async () =>
        {
            var fetcher = services.GetRequiredService<FeedFetcher>();
            var cursors = (await services.GetRequiredService<IFeedCursorStore>().ListAsync(ct)).ToDictionary(c => c.Source, StringComparer.OrdinalIgnoreCase);
            if (fetcher.Sources.Count == 0)
            {
                await io.Out.WriteLineAsync("No feed sources are configured. Add them under Feeds:Sources (see README, \"Feeds\").");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Source", "Kind", "Every", "Cursor", "Last success", "Added", "Last error");
            foreach (var source in fetcher.Sources)
            {
                var cursor = cursors.GetValueOrDefault(source.Name) ?? FeedCursor.Empty(source.Name);
                table.AddRow(
                    Markup.Escape(source.Name + (source.Enabled ? "" : " (disabled)")),
                    source.Kind.ToString(),
                    source.Interval.ToString(),
                    Markup.Escape(cursor.Position is { Length: > 24 } p ? p[..12] + "…" : cursor.Position ?? "-"),
                    cursor.LastSuccess?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "never",
                    cursor.LastAdded.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(cursor.LastError ?? "-"));
            }

            LibraryCommands.CreateConsole(io).Write(table);
            // With several processes on one store, say which one is fetching now.
            var lease = await services.GetRequiredService<IFeedLease>().GetAsync(ct);
            if (lease is not null && lease.Until > services.GetRequiredService<TimeProvider>().GetUtcNow())
            {
                await io.Out.WriteLineAsync(
                    $"{lease.Holder} is fetching feeds (lease until {lease.Until.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC).");
            }

            return ExitCodes.Ok;
        }, ct));

        var only = new Option<string?>("--source") { Description = "Fetch only this source (by name), even when disabled" };
        var fetch = new Command("fetch", "Fetch the enabled sources now (or one with --source) and ingest what is new.") { only };
        fetch.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var fetcher = services.GetRequiredService<FeedFetcher>();
            await services.GetRequiredService<PaperBot.Core.Library.LibrarySeeder>().MarkSeededAsync(ct);
            var name = parse.GetValue(only);
            var names = name is null ? [.. fetcher.Sources.Where(s => s.Enabled).Select(s => s.Name)] : new[] { name };
            if (names.Length == 0)
            {
                await io.Out.WriteLineAsync("No enabled feed sources. Add them under Feeds:Sources (see README, \"Feeds\").");
                return ExitCodes.Ok;
            }

            var failed = false;
            foreach (var sourceName in names)
            {
                var results = await LibraryCommands.WithProgressAsync(io, sourceName, progress => fetcher.FetchAllAsync(sourceName, progress, ct));
                foreach (var result in results)
                {
                    switch (result.Status)
                    {
                        case FeedRunStatus.Failed:
                            await io.Error.WriteLineAsync($"error: {result.Source}: {result.Error}; skipped, the next fetch retries it");
                            failed = true;
                            break;
                        case FeedRunStatus.NotModified:
                            await io.Out.WriteLineAsync($"{result.Source}: not modified");
                            break;
                        default:
                            await io.Out.WriteLineAsync($"{result.Source}: {result.Added} added, {result.Updated} updated, {result.Unchanged} unchanged ({result.Requests} requests)");
                            break;
                    }
                }
            }

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }, ct));

        root.Subcommands.Add(new Command("feeds", "Feed sources that bring new papers into the library (Feeds section).") { list, fetch });
    }
}
