using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Usage;
using PaperBot.Store.Postgres.Tests;

namespace PaperBot.Host.Tests.Cli;

/// <summary><c>paperbot library copy --to postgres</c> on a real SQLite library file into a real PostgreSQL database.</summary>
public sealed class LibraryCopyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task Copy_Twice_SameCountsNothingDuplicatedAndTheCopyIsSearchable()
    {
        using var cli = new CliHarness(seedSample: false);
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var papers = cli.WriteFile("papers.jsonl", """
            {"id": "2611.00001", "title": "Sparse mixture of experts routing", "abstract": "Tokens are routed to a few experts chosen by a learned gate."}
            {"id": "2611.00002", "title": "Quantum annealing for protein folding", "abstract": "An annealer searches the energy landscape of folded proteins."}
            {"id": "2611.00003", "title": "Speculative decoding with draft models", "abstract": "A small draft model proposes tokens that the large model verifies."}
            """);
        Assert.Equal(0, (await cli.RunAsync("ingest", papers)).ExitCode);
        var answerId = await AddHistoryAsync(cli.LibraryPath);
        cli.Settings["ConnectionStrings:Library"] = database.ConnectionString;

        var first = await cli.RunAsync("library", "copy", "--to", "postgres");
        var second = await cli.RunAsync("library", "copy", "--to", "postgres");

        Assert.True(first.ExitCode == 0, first.Error + first.Out);
        Assert.Contains(": 3 new papers.", first.Out, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Error + second.Out);
        Assert.Contains(": 0 new papers.", second.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("DIFFERS", second.Out, StringComparison.Ordinal);
        await using (var source = database.CreateDataSource())
        {
            Assert.Equal(3L, await ScalarAsync(source, "SELECT count(*) FROM papers"));
            Assert.Equal(3L, await ScalarAsync(source, "SELECT count(*) FROM paper_changes WHERE kind = 'added'"));
            Assert.Equal(await ScalarAsync(source, "SELECT count(*) FROM passages"), await ScalarAsync(source, "SELECT count(*) FROM passages WHERE cardinality(embedding) = 384"));
            Assert.Equal(answerId, await ScalarAsync(source, "SELECT max(id) FROM answers"));
            Assert.Equal(2L, await ScalarAsync(source, "SELECT count(*) FROM conversation_turns"));
            Assert.Equal(1200L, await ScalarAsync(source, "SELECT tokens FROM usage_daily"));
            // The subscription had seen the first two papers: in the database too.
            Assert.Equal(
                await ScalarAsync(source, "SELECT added_seq FROM papers WHERE id = '2611.00002'"),
                await ScalarAsync(source, "SELECT high_water FROM digest_subscriptions WHERE channel_id = 'c1'"));
            Assert.Equal(1L, await ScalarAsync(source, "SELECT count(*) FROM digest_runs r JOIN digest_subscriptions s ON s.id = r.subscription_id WHERE s.channel_id = 'c1'"));
        }

        // The bot on the copy: the lexical weight is 0 until the database has its own lexical index.
        cli.Settings["Library:Provider"] = "postgres";
        cli.Settings["Search:LexicalWeight"] = "0";
        cli.Settings["Search:SemanticWeight"] = "1";
        var search = await cli.RunAsync("search", "--json", "quantum annealing of proteins");
        var stats = await cli.RunAsync("stats");

        Assert.True(search.ExitCode == 0, search.Error);
        using var json = JsonDocument.Parse(search.Out);
        Assert.Equal("2611.00002", json.RootElement.GetProperty("results")[0].GetProperty("id").GetString());
        Assert.Contains($"library:          postgresql://", stats.Out, StringComparison.Ordinal);
        Assert.Contains($"/{database.Name}", stats.Out, StringComparison.Ordinal);
        Assert.Contains("papers:           3", stats.Out, StringComparison.Ordinal);
        Assert.Contains("cached summaries: 1", stats.Out, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Copy_DatabaseHeldOtherRows_CountsDifferAndTheVerbFails()
    {
        using var cli = new CliHarness(seedSample: false);
        await using var database = await PostgresServer.CreateDatabaseAsync();
        Assert.Equal(0, (await cli.RunAsync("ingest", cli.WriteFile("one.jsonl", """{"id": "2611.00001", "title": "Sparse mixture of experts routing", "abstract": "Routing."}"""))).ExitCode);
        cli.Settings["ConnectionStrings:Library"] = database.ConnectionString;
        Assert.Equal(0, (await cli.RunAsync("library", "copy", "--to", "postgres")).ExitCode);
        await using (var source = database.CreateDataSource())
        {
            await ScalarAsync(source, "INSERT INTO usage_daily (scope, day, tokens) VALUES ('guild:9', '2026-11-01', 5) RETURNING tokens");
        }

        var result = await cli.RunAsync("library", "copy", "--to", "postgres");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("error: the counts differ for usage_daily (0 in the file, 1 in PostgreSQL)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copy_NoConnectionString_SaysWhichKeyToSet()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await cli.RunAsync("library", "copy", "--to", "postgres");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.StartsWith("error: ConnectionStrings:Library is not set", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A digest subscription that has seen two papers, a vote, an answer, a conversation, usage and a summary.</summary>
    private static async Task<long> AddHistoryAsync(string libraryPath)
    {
        using var library = new LibraryStore(Options.Create(new LibraryOptions { Path = libraryPath }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var digests = new SqliteDigestStore(library);
        var subscription = await digests.UpsertSubscriptionAsync(
            new SubscriptionDraft("g1", "c1", "mixture of experts", ["cs.LG"], "0 9 * * *", "UTC", 5, 0.3, "admin"), Now, CancellationToken.None);
        var arrivals = await digests.GetCandidatesAsync(null, null, null, long.MaxValue, CancellationToken.None);
        var seen = await ArrivalOfAsync(libraryPath, "2611.00002");
        var run = await digests.TryClaimAsync(subscription.Id, "2026-11-20T09:00Z", "host/1/a", Now, Now.AddMinutes(10), CancellationToken.None);
        await digests.CompleteRunAsync(run!, "c1", [.. arrivals.Select(a => a.Paper.Id).Take(2)], seen, "posted", Now, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "2611.00001", "u1", 1, Now, CancellationToken.None);
        var answers = new SqliteAnswerStore(library);
        await answers.SaveAsync(new StoredAnswer(0, "g1", "c1", "u1", "first?", "first answer", AnswerMode.Extractive, [], Now));
        var answerId = await answers.SaveAsync(new StoredAnswer(0, "g1", "c1", "u1", "What routes tokens?", "A learned gate [1].", AnswerMode.Extractive,
            [new Citation(1, "2611.00001", "Sparse mixture of experts routing", null)], Now));
        var conversations = new SqliteConversationStore(library);
        await conversations.StartAsync(new Conversation("t1", "g1", "c1", "u1", Now, Now, false), new ConversationTurn("What routes tokens?", "A learned gate."));
        await conversations.AddTurnAsync("t1", new ConversationTurn("How many experts?", "A few."), Now.AddMinutes(1));
        await new SqliteUsageStore(library).AddAsync("guild:g1", DateOnly.FromDateTime(Now.UtcDateTime), 1200);
        await new SqliteSummaryCache(library, NullLogger<SqliteSummaryCache>.Instance).SetAsync(new SummaryCacheKey("2611.00001", "short", "1", "extractive"), "Routing, briefly.");
        return answerId;
    }

    private static async Task<long> ArrivalOfAsync(string libraryPath, string paperId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={libraryPath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(seq) FROM paper_arrivals WHERE paper_id = $id";
        command.Parameters.AddWithValue("$id", paperId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
