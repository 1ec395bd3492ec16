using Microsoft.Extensions.Logging;
using Npgsql;

namespace PaperBot.Store.Postgres;

/// <summary>
/// The PostgreSQL library database: one pooled data source, migrated once per process before its first use
/// (<see cref="PostgresSchema"/> makes processes that start together wait for one another).
/// </summary>
internal sealed class PostgresLibrary : IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _migrateLock = new(1, 1);
    private volatile bool _migrated;

    public PostgresLibrary(string connectionString, ILogger<PostgresLibrary> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        DataSource = NpgsqlDataSource.Create(connectionString);
        _logger = logger;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Where the library is, for people (<c>postgresql://user@host:port/database</c>; never the password).</summary>
    public string Describe()
    {
        var settings = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        return $"postgresql://{settings.Username}@{settings.Host}:{settings.Port}/{settings.Database}";
    }

    /// <summary>Opens a connection on the migrated database.</summary>
    /// <exception cref="Core.UserFacingException">Unreachable, refused, or a schema newer than this build.</exception>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(cancellationToken);
        return await PostgresConnections.OpenAsync(DataSource, cancellationToken);
    }

    /// <summary>Connects and migrates, once per process.</summary>
    public async Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        if (_migrated)
        {
            return;
        }

        await _migrateLock.WaitAsync(cancellationToken);
        try
        {
            if (!_migrated)
            {
                await PostgresSchema.MigrateAsync(DataSource, _logger, cancellationToken);
                _migrated = true;
            }
        }
        finally
        {
            _migrateLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        _migrateLock.Dispose();
    }

    public void Dispose()
    {
        DataSource.Dispose();
        _migrateLock.Dispose();
    }
}
