using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Library.Sqlite;

namespace PaperBot.Core.Library;

/// <summary>
/// The SQLite library file: one file in WAL mode, schema versioned with forward migrations
/// (<c>PRAGMA user_version</c>), and the connections every SQLite store opens on it. Safe to use from several
/// threads; each call opens a pooled connection. (Kept in the <c>Library</c> namespace: every SQLite store uses it.)
/// </summary>
public sealed class LibraryStore : IDisposable
{
    private readonly string _path;
    private readonly string _connectionString;
    private readonly ILogger<LibraryStore> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    public LibraryStore(IOptions<LibraryOptions> options, TimeProvider time, ILogger<LibraryStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = options.Value.ResolvePath();
        _logger = logger;
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The library file; search keeps its vector index beside it.</summary>
    public string FilePath => _path;

    /// <summary>The clock the stores on this file stamp their rows with.</summary>
    internal TimeProvider Time => _time;

    public void Dispose()
    {
        _initLock.Dispose();
        // Pooled connections keep the file (and its WAL) open; release them so the file can be moved or deleted.
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Opens a connection on an initialized (migrated) library.</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            await InitializeAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Wait for a writer in another process (the bot and a CLI ingest) instead of failing at once.
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 10000;", cancellationToken);
        return connection;
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            var folder = System.IO.Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            await using var connection = new SqliteConnection(_connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await ExecuteAsync(connection, "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", cancellationToken);
                await LibrarySchema.MigrateAsync(connection, _logger, cancellationToken);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */)
            {
                throw new UserFacingException($"'{_path}' is not a PaperBot library (not a SQLite database). Set Library:Path to another file.", ex);
            }

            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>The columns <see cref="ReadPapersAsync"/> expects (the digest store selects papers with them).</summary>
    internal const string PaperColumns = PaperRows.Select;

    internal static Task<List<Paper>> ReadPapersAsync(SqliteCommand command, CancellationToken cancellationToken) =>
        PaperRows.ReadAllAsync(command, cancellationToken);

    /// <summary>Instants are stored as sortable UTC text.</summary>
    internal static string FormatInstant(DateTimeOffset instant) => Instants.Format(instant);

    internal static DateTimeOffset ParseInstant(string text) => Instants.Parse(text);

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
