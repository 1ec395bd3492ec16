using PaperBot.Core.Feeds;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>The feed lease: one holder at a time across processes, renewed by its holder, taken over when it expires.</summary>
public abstract class FeedLeaseContract : StoreContract
{
    private const string First = "host-a/100/aaaaaaaa";
    private const string Second = "host-b/200/bbbbbbbb";

    [SkippableFact]
    public async Task TryAcquire_WhileAnotherHoldsIt_Fails()
    {
        var second = Backend.OpenProcess().Lease;

        Assert.True(await Stores.Lease.TryAcquireAsync(First, Start, Start.AddMinutes(10), null, CancellationToken.None));
        Assert.False(await second.TryAcquireAsync(Second, Start.AddMinutes(9), Start.AddMinutes(19), null, CancellationToken.None));
        Assert.Equal(new FeedLeaseHolder(First, Start.AddMinutes(10)), await second.GetAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryAcquire_ByTheHolder_RenewsIt()
    {
        await Stores.Lease.TryAcquireAsync(First, Start, Start.AddMinutes(10), null, CancellationToken.None);

        Assert.True(await Stores.Lease.TryAcquireAsync(First, Start.AddMinutes(5), Start.AddMinutes(15), null, CancellationToken.None));
        Assert.Equal(new FeedLeaseHolder(First, Start.AddMinutes(15)), await Stores.Lease.GetAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryAcquire_AfterTheLeaseExpired_TakesItOver()
    {
        var second = Backend.OpenProcess().Lease;
        await Stores.Lease.TryAcquireAsync(First, Start, Start.AddMinutes(10), null, CancellationToken.None);

        Assert.True(await second.TryAcquireAsync(Second, Start.AddMinutes(10), Start.AddMinutes(20), null, CancellationToken.None));
        // The old holder, back from a pause, no longer has it and cannot renew it.
        Assert.False(await Stores.Lease.TryAcquireAsync(First, Start.AddMinutes(11), Start.AddMinutes(21), null, CancellationToken.None));
        Assert.Equal(new FeedLeaseHolder(Second, Start.AddMinutes(20)), await Stores.Lease.GetAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryAcquire_NamingTheDeadHolder_TakesItOverBeforeExpiry()
    {
        await Stores.Lease.TryAcquireAsync(First, Start, Start.AddMinutes(10), null, CancellationToken.None);

        Assert.False(await Stores.Lease.TryAcquireAsync(Second, Start.AddMinutes(1), Start.AddMinutes(11), "host-c/300/cccccccc", CancellationToken.None));
        Assert.True(await Stores.Lease.TryAcquireAsync(Second, Start.AddMinutes(1), Start.AddMinutes(11), First, CancellationToken.None));
    }

    [SkippableFact]
    public async Task Release_ByTheHolder_FreesItAndByAnotherDoesNothing()
    {
        await Stores.Lease.TryAcquireAsync(First, Start, Start.AddMinutes(10), null, CancellationToken.None);

        await Stores.Lease.ReleaseAsync(Second, CancellationToken.None);
        Assert.NotNull(await Stores.Lease.GetAsync(CancellationToken.None));
        await Stores.Lease.ReleaseAsync(First, CancellationToken.None);

        Assert.Null(await Stores.Lease.GetAsync(CancellationToken.None));
        Assert.True(await Stores.Lease.TryAcquireAsync(Second, Start.AddMinutes(1), Start.AddMinutes(11), null, CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryAcquire_ManyProcessesAtOnce_ExactlyOneWins()
    {
        var processes = Enumerable.Range(0, 6).Select(_ => Backend.OpenProcess().Lease).ToList();

        var won = await Task.WhenAll(processes.Select((lease, i) =>
            Task.Run(() => lease.TryAcquireAsync($"host-{i}/{i}/0000000{i}", Start, Start.AddMinutes(10), null, CancellationToken.None))));

        Assert.Single(won, w => w);
        var holder = await Stores.Lease.GetAsync(CancellationToken.None);
        Assert.Equal($"host-{Array.IndexOf(won, true)}/{Array.IndexOf(won, true)}/0000000{Array.IndexOf(won, true)}", holder!.Holder);
    }
}

public sealed class SqliteFeedLeaseTests : FeedLeaseContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresFeedLeaseTests : FeedLeaseContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
