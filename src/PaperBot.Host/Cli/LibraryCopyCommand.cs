using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Library;
using PaperBot.Store.Postgres;
using Spectre.Console;

namespace PaperBot.Host.Cli;

/// <summary><c>paperbot library copy --to postgres</c>: the SQLite library file into the PostgreSQL database, counts compared.</summary>
internal static class LibraryCopyCommand
{
    public static Command Build(IServiceProvider services, AppIo io)
    {
        var to = new Option<string>("--to") { Description = "Where to copy the library: postgres (the database of ConnectionStrings:Library)", Required = true };
        to.AcceptOnlyFromAmong(StoreProviderOptions.Postgres);
        var copy = new Command(
            "copy",
            "Copy the SQLite library at Library:Path (papers, passages, vectors, summaries, digests, answers, conversations, usage, feed cursors) " +
            "into the PostgreSQL database of ConnectionStrings:Library. Safe to repeat: rows already there are left as they are.") { to };
        copy.SetAction((_, ct) => CliRunner.RunAsync(io, async () =>
        {
            var file = services.GetRequiredService<IOptions<LibraryOptions>>().Value.ResolvePath();
            var connectionString = services.GetRequiredService<IOptions<StoreProviderOptions>>().Value.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new UserFacingException(
                    "ConnectionStrings:Library is not set: name the PostgreSQL database to copy into, e.g. " +
                    "ConnectionStrings__Library=\"Host=db;Username=paperbot;Password=...;Database=paperbot\".");
            }

            var report = await LibraryCommands.WithProgressAsync(io, "library copy", progress =>
                services.GetRequiredService<PostgresLibraryCopy>().CopyAsync(file, connectionString, progress, ct));
            await io.Out.WriteLineAsync($"Copied {report.From} into {report.To}: {report.PapersCopied} new papers.");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Table", "In the file", "In PostgreSQL", "");
            foreach (var count in report.Tables)
            {
                table.AddRow(
                    count.Table,
                    count.InFile.ToString(CultureInfo.InvariantCulture),
                    count.InDatabase.ToString(CultureInfo.InvariantCulture),
                    count.Matches ? "ok" : "DIFFERS");
            }

            LibraryCommands.CreateConsole(io).Write(table);
            if (!report.Matches)
            {
                var differing = string.Join(", ", report.Tables.Where(t => !t.Matches).Select(t => $"{t.Table} ({t.InFile} in the file, {t.InDatabase} in PostgreSQL)"));
                await io.Error.WriteLineAsync(
                    $"error: the counts differ for {differing}. Either the database held rows of its own before the copy, " +
                    "or rows were not copied: copy into an empty database to compare.");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        }, ct));
        return new Command("library", "Move the library between stores.") { copy };
    }
}
