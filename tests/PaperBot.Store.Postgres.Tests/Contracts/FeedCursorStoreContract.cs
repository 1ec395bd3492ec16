using PaperBot.Core.Feeds;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>Where each feed source got to.</summary>
public abstract class FeedCursorStoreContract : StoreContract
{
    [SkippableFact]
    public async Task Get_UnknownSource_IsAnEmptyCursor()
    {
        Assert.Equal(FeedCursor.Empty("hf"), await Stores.Cursors.GetAsync("hf", CancellationToken.None));
        Assert.Empty(await Stores.Cursors.ListAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task RecordSuccess_ThenFailure_KeepsPositionAndValidatorsWithTheError()
    {
        var cursors = Stores.Cursors;
        await cursors.RecordAttemptAsync("arxiv", Start, CancellationToken.None);
        var success = new FeedCursor("arxiv", "2611.00042|2026-11-01", "\"etag-1\"", "Sun, 01 Nov 2026 08:00:00 GMT", "https://export.arxiv.org/api/query", Start, Start.AddSeconds(5), null, 12);
        await cursors.RecordSuccessAsync(success, CancellationToken.None);
        await cursors.RecordAttemptAsync("arxiv", Start.AddHours(1), CancellationToken.None);
        await cursors.RecordFailureAsync("arxiv", "HTTP 503", CancellationToken.None);

        var cursor = await Backend.OpenProcess().Cursors.GetAsync("arxiv", CancellationToken.None);

        Assert.Equal(success with { LastAttempt = Start.AddHours(1), LastError = "HTTP 503" }, cursor);
    }

    [SkippableFact]
    public async Task RecordSuccess_AfterAFailure_ClearsTheError()
    {
        var cursors = Stores.Cursors;
        await cursors.RecordFailureAsync("hf", "timeout", CancellationToken.None);
        await cursors.RecordSuccessAsync(new FeedCursor("hf", "2026-11-01", null, null, null, Start, Start, null, 3), CancellationToken.None);

        var cursor = await cursors.GetAsync("hf", CancellationToken.None);

        Assert.Null(cursor.LastError);
        Assert.Equal(("2026-11-01", 3), (cursor.Position, cursor.LastAdded));
    }

    [SkippableFact]
    public async Task List_SeveralSources_OrderedByName()
    {
        await Stores.Cursors.RecordAttemptAsync("url", Start, CancellationToken.None);
        await Stores.Cursors.RecordAttemptAsync("arxiv", Start, CancellationToken.None);
        await Stores.Cursors.RecordFailureAsync("hf", "boom", CancellationToken.None);

        var names = (await Stores.Cursors.ListAsync(CancellationToken.None)).Select(c => c.Source);

        Assert.Equal(["arxiv", "hf", "url"], names);
    }
}

public sealed class SqliteFeedCursorStoreTests : FeedCursorStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresFeedCursorStoreTests : FeedCursorStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
