namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>The daily token budget: counted per server and UTC day, across processes.</summary>
public abstract class UsageStoreContract : StoreContract
{
    [SkippableFact]
    public async Task Add_SeveralTimes_AddsUpPerScopeAndDay()
    {
        var store = Stores.Usage;
        var day = new DateOnly(2026, 11, 1);

        await store.AddAsync("guild:1", day, 100);
        var total = await store.AddAsync("guild:1", day, 50);
        await store.AddAsync("guild:1", day.AddDays(1), 7);

        Assert.Equal(150, total);
        Assert.Equal(150, await store.GetAsync("guild:1", day));
        Assert.Equal(7, await store.GetAsync("guild:1", day.AddDays(1)));
        Assert.Equal(0, await store.GetAsync("guild:2", day));
    }

    [SkippableFact]
    public async Task Add_NegativeTokens_CountsNothing()
    {
        var day = new DateOnly(2026, 11, 1);
        await Stores.Usage.AddAsync("guild:1", day, 10);

        Assert.Equal(10, await Stores.Usage.AddAsync("guild:1", day, -5));
    }

    [SkippableFact]
    public async Task Add_TwoProcessesAtOnce_LoseNoTokens()
    {
        var day = new DateOnly(2026, 11, 1);
        var processes = new[] { Stores, Backend.OpenProcess() };

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => processes[i % 2].Usage.AddAsync("guild:1", day, 3))));

        Assert.Equal(120, await Stores.Usage.GetAsync("guild:1", day));
    }
}

public sealed class SqliteUsageStoreTests : UsageStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresUsageStoreTests : UsageStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
