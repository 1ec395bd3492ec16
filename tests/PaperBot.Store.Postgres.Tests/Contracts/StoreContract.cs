namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>
/// The base of every store contract suite: a fresh database per test, opened by the backend the concrete class
/// names. The PostgreSQL half skips (with the reason) when no server is configured, except under CI.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private StoreBackend? _backend;
    private StoreSet? _stores;

    protected StoreBackend Backend => _backend ?? throw new SkipException(PostgresServer.SkipReason);

    /// <summary>The stores of the first process.</summary>
    protected StoreSet Stores => _stores ?? throw new SkipException(PostgresServer.SkipReason);

    protected abstract Task<StoreBackend?> CreateBackendAsync();

    public async Task InitializeAsync()
    {
        _backend = await CreateBackendAsync();
        _stores = _backend?.OpenProcess();
    }

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    /// <summary>The SQLite backend.</summary>
    protected static Task<StoreBackend?> Sqlite() => Task.FromResult<StoreBackend?>(new SqliteBackend());

    /// <summary>The PostgreSQL backend, or null (the tests skip) when no server is configured outside CI.</summary>
    protected static async Task<StoreBackend?> Postgres() =>
        PostgresServer.ConnectionString is null && !PostgresServer.Required ? null : await PostgresBackend.CreateAsync();
}
