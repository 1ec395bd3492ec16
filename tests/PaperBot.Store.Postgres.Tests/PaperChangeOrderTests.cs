using Npgsql;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Store.Postgres.Tests.Contracts;

namespace PaperBot.Store.Postgres.Tests;

/// <summary>
/// The change sequence commits in the order of its numbers: a writer that drew a number holds the paper write lock
/// until it commits, so a later writer cannot commit a higher number first (which a reader at <c>seq &gt; last</c>
/// would take and then never look below).
/// </summary>
public sealed class PaperChangeOrderTests
{
    [PostgresFact]
    public async Task Upsert_WhileAnotherWriterHoldsAnUncommittedChange_WaitsAndCommitsAfterIt()
    {
        await using var backend = await PostgresBackend.CreateAsync();
        var reader = backend.OpenPaperProcess().Papers;
        await reader.GetLatestChangeAsync(); // migrated
        await using var source = NpgsqlDataSource.Create(backend.ConnectionString);
        await using var first = await source.OpenConnectionAsync();
        await using var firstWrite = await first.BeginTransactionAsync();
        await PaperWriteLock.TakeAsync(first, firstWrite, CancellationToken.None);
        await PostgresPaperStore.RecordChangesAsync(first, firstWrite, ["written-first"], PaperChangeKind.Added, DateTimeOffset.UtcNow, CancellationToken.None);

        var paper = new Paper("written-second", "Second", [], "Abstract.", null, [], null, null, DateTimeOffset.UtcNow);
        var second = Task.Run(() => backend.OpenPaperProcess().Papers.UpsertAsync([new PaperUpsert(paper, "h", [new Passage(paper.Id, 0, "Second\nAbstract.")], null)], "m"));
        await WaitUntilBlockedOnTheWriteLockAsync(source, second);
        var whileFirstUncommitted = await reader.GetLatestChangeAsync();
        await firstWrite.CommitAsync();
        await second;

        var changes = await reader.GetChangesSinceAsync(0, 10);
        Assert.Equal(0, whileFirstUncommitted);
        Assert.Equal(["written-first", "written-second"], changes.Select(c => c.PaperId));
        Assert.True(changes[0].Sequence < changes[1].Sequence);
    }

    private static async Task WaitUntilBlockedOnTheWriteLockAsync(NpgsqlDataSource source, Task writer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            Assert.False(writer.IsCompleted, "the second writer committed while the first held the write lock");
            await using var waiting = source.CreateCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
            if ((long)(await waiting.ExecuteScalarAsync(timeout.Token))! > 0)
            {
                return;
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}
