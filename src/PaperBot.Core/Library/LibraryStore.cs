using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Library;

/// <summary>Counts shown by <c>paperbot stats</c>.</summary>
public sealed record LibraryStats(
    int Papers,
    int Passages,
    int EmbeddedPassages,
    string? EmbeddingModel,
    int CachedSummaries,
    long FileBytes,
    string Path,
    DateTimeOffset? LastAdded);

/// <summary>Passages holding each of some words (<see cref="Counts"/>, in the order asked) out of <see cref="Passages"/>.</summary>
public sealed record PassageTermCounts(long Passages, IReadOnlyList<long> Counts);

/// <summary>Key of a cached summary: a repeat with the same key costs no model call.</summary>
public sealed record SummaryCacheKey(string PaperId, string Level, string PromptVersion, string Model);

/// <summary>
/// The paper library: one SQLite file in WAL mode, schema versioned with forward migrations
/// (<c>PRAGMA user_version</c>). Safe to use from several threads; each call opens a pooled connection.
/// </summary>
public sealed class LibraryStore : IDisposable
{
    private const int MaxCandidates = 10;

    private readonly string _path;
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<LibraryStore> _logger;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    public LibraryStore(IOptions<LibraryOptions> options, TimeProvider time, ILogger<LibraryStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = options.Value.ResolvePath();
        _time = time;
        _logger = logger;
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

    /// <summary>The paper with exactly this id, or <see langword="null"/>.</summary>
    public async Task<Paper?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var papers = await GetManyAsync([id], cancellationToken);
        return papers.Count == 0 ? null : papers[0];
    }

    /// <summary>The papers with these ids, in the order given; unknown ids are left out.</summary>
    public async Task<IReadOnlyList<Paper>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var names = new List<string>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            names.Add("$id" + i.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue(names[i], ids[i]);
        }

        command.CommandText = $"{PaperColumns} WHERE id IN ({string.Join(',', names)})";
        var found = (await ReadPapersAsync(command, cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        return [.. ids.Where(found.ContainsKey).Distinct(StringComparer.Ordinal).Select(id => found[id])];
    }

    /// <summary>
    /// Finds one paper by id (with or without arXiv version, or an arXiv URL) or by a unique title prefix
    /// (case-insensitive). Throws <see cref="PaperLookupException"/> listing candidates when nothing or several match.
    /// </summary>
    public async Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = PaperIds.NormalizeWhitespace(reference);
        if (text.Length == 0)
        {
            throw new PaperLookupException(reference, []);
        }

        var id = PaperIds.TryParseArxiv(text, out var arxivId, out _) ? arxivId : text;
        if (await GetAsync(id, cancellationToken) is { } byId)
        {
            return byId;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"{PaperColumns} WHERE title LIKE $prefix ESCAPE '\\' ORDER BY title LIMIT {MaxCandidates + 1}";
        command.Parameters.AddWithValue("$prefix", EscapeLike(text) + "%");
        var byPrefix = await ReadPapersAsync(command, cancellationToken);

        var exact = byPrefix.Where(p => string.Equals(p.Title, text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count == 1)
        {
            return exact[0];
        }

        if (byPrefix.Count == 1)
        {
            return byPrefix[0];
        }

        var candidates = byPrefix.Count > 0 ? byPrefix : await SuggestAsync(text, MaxCandidates, cancellationToken);
        throw new PaperLookupException(reference, candidates);
    }

    /// <summary>
    /// Papers whose id or title starts with, or whose title contains, <paramref name="partial"/>
    /// (prefix matches first, then newest) — for autocomplete. An empty text gives the newest papers.
    /// </summary>
    public async Task<IReadOnlyList<Paper>> SuggestAsync(string partial, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var text = PaperIds.NormalizeWhitespace(partial);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            {PaperColumns}
            WHERE $text = '' OR id LIKE $prefix ESCAPE '\' OR title LIKE $contains ESCAPE '\'
            ORDER BY CASE WHEN id LIKE $prefix ESCAPE '\' OR title LIKE $prefix ESCAPE '\' THEN 0 ELSE 1 END,
                     added_at DESC, id
            LIMIT $limit
            """;
        command.Parameters.AddWithValue("$text", text);
        command.Parameters.AddWithValue("$prefix", EscapeLike(text) + "%");
        command.Parameters.AddWithValue("$contains", "%" + EscapeLike(text) + "%");
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        return await ReadPapersAsync(command, cancellationToken);
    }

    /// <summary>Papers added at or after <paramref name="since"/> (all when null), newest first.</summary>
    public async Task<IReadOnlyList<Paper>> ListAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"{PaperColumns} WHERE added_at >= $since ORDER BY added_at DESC, id LIMIT $limit";
        command.Parameters.AddWithValue("$since", since is { } s ? FormatInstant(s) : "");
        command.Parameters.AddWithValue("$limit", limit ?? -1);
        return await ReadPapersAsync(command, cancellationToken);
    }

    /// <summary>Removes a paper with its passages, embeddings and cached summaries. False when it was not there.</summary>
    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var removed = await DeletePaperAsync(connection, transaction, id, cancellationToken);
        if (removed)
        {
            await BumpGenerationAsync(connection, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async Task<LibraryStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM papers),
                   (SELECT count(*) FROM passages),
                   (SELECT count(*) FROM passages WHERE embedding IS NOT NULL),
                   (SELECT value FROM meta WHERE key = 'embedding_model'),
                   (SELECT count(*) FROM summaries),
                   (SELECT max(added_at) FROM papers)
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var lastAdded = reader.IsDBNull(5) ? (DateTimeOffset?)null : ParseInstant(reader.GetString(5));
        var bytes = new[] { _path, _path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new LibraryStats(
            reader.GetInt32(0),
            reader.GetInt32(1),
            reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetInt32(4),
            bytes,
            _path,
            lastAdded);
    }

    /// <summary>
    /// How many passages hold each word (matched as a prefix by the full-text index), and how many passages
    /// there are: the document frequencies that tell a question's rare words from its common ones.
    /// </summary>
    public async Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terms);
        await using var connection = await OpenAsync(cancellationToken);
        await using var total = connection.CreateCommand();
        total.CommandText = "SELECT count(*) FROM passages";
        var passages = Convert.ToInt64(await total.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        var counts = new List<long>(terms.Count);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH $q";
        var query = command.Parameters.Add("$q", SqliteType.Text);
        foreach (var term in terms)
        {
            // Quoted, so FTS5 syntax in user text is inert.
            query.Value = "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"*";
            counts.Add(Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture));
        }

        return new PassageTermCounts(passages, counts);
    }

    public async Task<string?> GetCachedSummaryAsync(SummaryCacheKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT text FROM summaries WHERE paper_id = $p AND level = $l AND prompt_version = $v AND model = $m";
        AddSummaryKey(command, key);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SetCachedSummaryAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO summaries (paper_id, level, prompt_version, model, text, created_at)
            VALUES ($p, $l, $v, $m, $text, $now)
            ON CONFLICT (paper_id, level, prompt_version, model) DO UPDATE SET text = excluded.text, created_at = excluded.created_at
            """;
        AddSummaryKey(command, key);
        command.Parameters.AddWithValue("$text", text);
        command.Parameters.AddWithValue("$now", FormatInstant(_time.GetUtcNow()));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT: paper removed meanwhile */)
        {
            _logger.LogDebug(ex, "Summary for {PaperId} not cached: the paper is gone", key.PaperId);
        }
    }

    /// <summary>A counter that changes whenever papers or passages change (also across processes).</summary>
    internal async Task<long> GetGenerationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await GetGenerationAsync(connection, cancellationToken);
    }

    internal static async Task<long> GetGenerationAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'generation'";
        var value = await command.ExecuteScalarAsync(cancellationToken) as string;
        return value is null ? 0 : long.Parse(value, CultureInfo.InvariantCulture);
    }

    internal static async Task BumpGenerationAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO meta (key, value) VALUES ('generation', '1')
            ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static async Task<bool> DeletePaperAsync(SqliteConnection connection, SqliteTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM passages_fts WHERE rowid IN (SELECT rowid FROM passages WHERE paper_id = $id);
            DELETE FROM papers WHERE id = $id;
            """;
        command.Parameters.AddWithValue("$id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var changes = connection.CreateCommand();
        changes.Transaction = transaction;
        changes.CommandText = "SELECT changes()";
        return Convert.ToInt64(await changes.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    internal const string PaperColumns =
        "SELECT id, title, authors, abstract, published, categories, source_url, full_text, added_at, version FROM papers";

    internal static async Task<List<Paper>> ReadPapersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var papers = new List<Paper>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            papers.Add(new Paper(
                reader.GetString(0),
                reader.GetString(1),
                JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [],
                reader.GetString(3),
                reader.IsDBNull(4) ? null : DateOnly.ParseExact(reader.GetString(4), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                JsonSerializer.Deserialize<string[]>(reader.GetString(5)) ?? [],
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                ParseInstant(reader.GetString(8)),
                reader.GetInt32(9)));
        }

        return papers;
    }

    /// <summary>Instants are stored as sortable UTC text.</summary>
    internal static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseInstant(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddSummaryKey(SqliteCommand command, SummaryCacheKey key)
    {
        command.Parameters.AddWithValue("$p", key.PaperId);
        command.Parameters.AddWithValue("$l", key.Level);
        command.Parameters.AddWithValue("$v", key.PromptVersion);
        command.Parameters.AddWithValue("$m", key.Model);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
