using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The papers, passages and vectors of the SQLite library, with its change sequence.</summary>
public sealed class SqlitePaperStore(LibraryStore library) : IPaperStore
{
    public async Task<IReadOnlyList<Paper>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var names = new List<string>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            names.Add("$id" + i.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue(names[i], ids[i]);
        }

        command.CommandText = $"{PaperRows.Select} WHERE id IN ({string.Join(',', names)})";
        var found = (await PaperRows.ReadAllAsync(command, cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        return [.. ids.Where(found.ContainsKey).Distinct(StringComparer.Ordinal).Select(id => found[id])];
    }

    public async Task<IReadOnlyList<Paper>> FindByTitlePrefixAsync(string prefix, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"{PaperRows.Select} WHERE title LIKE $prefix ESCAPE '\\' ORDER BY title LIMIT $limit";
        command.Parameters.AddWithValue("$prefix", EscapeLike(prefix) + "%");
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        return await PaperRows.ReadAllAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Paper>> SuggestAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = PaperIds.NormalizeWhitespace(text);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            {PaperRows.Select}
            WHERE $text = '' OR id LIKE $prefix ESCAPE '\' OR title LIKE $contains ESCAPE '\'
            ORDER BY CASE WHEN id LIKE $prefix ESCAPE '\' OR title LIKE $prefix ESCAPE '\' THEN 0 ELSE 1 END,
                     added_at DESC, id
            LIMIT $limit
            """;
        command.Parameters.AddWithValue("$text", text);
        command.Parameters.AddWithValue("$prefix", EscapeLike(text) + "%");
        command.Parameters.AddWithValue("$contains", "%" + EscapeLike(text) + "%");
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        return await PaperRows.ReadAllAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Paper>> ListAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"{PaperRows.Select} WHERE added_at >= $since ORDER BY added_at DESC, id LIMIT $limit";
        command.Parameters.AddWithValue("$since", since is { } s ? Instants.Format(s) : "");
        command.Parameters.AddWithValue("$limit", limit ?? -1);
        return await PaperRows.ReadAllAsync(command, cancellationToken);
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var removed = await DeletePaperAsync(connection, transaction, id, cancellationToken);
        if (removed)
        {
            await RecordChangeAsync(connection, transaction, id, PaperChangeKind.Removed, library.Time.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async Task<LibraryStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
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
        var lastAdded = reader.IsDBNull(5) ? (DateTimeOffset?)null : Instants.Parse(reader.GetString(5));
        var path = library.FilePath;
        var bytes = new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new LibraryStats(
            reader.GetInt32(0),
            reader.GetInt32(1),
            reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetInt32(4),
            bytes,
            path,
            lastAdded);
    }

    public async Task<IReadOnlyDictionary<string, StoredPaperVersion>> GetVersionsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var connection = await library.OpenAsync(cancellationToken);
        return await ReadVersionsAsync(connection, null, ids, cancellationToken);
    }

    public async Task<PaperUpsertResult> UpsertAsync(IReadOnlyList<PaperUpsert> papers, string embeddingModel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(papers);
        ArgumentNullException.ThrowIfNull(embeddingModel);
        var now = library.Time.GetUtcNow();
        var added = new List<string>();
        var updated = new List<string>();
        var withoutVectors = 0;
        await using var connection = await library.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the write lock is taken before the read that decides, so no other writer can slip in between.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var stored = await ReadVersionsAsync(connection, transaction, [.. papers.Select(p => p.Paper.Id)], cancellationToken);
        await using var insertPaper = connection.CreateCommand();
        insertPaper.Transaction = transaction;
        insertPaper.CommandText = PaperRows.Insert;
        await using var insertPassage = connection.CreateCommand();
        insertPassage.Transaction = transaction;
        insertPassage.CommandText = PassageRows.Insert;
        var passageParameters = new PassageRows.InsertParameters(insertPassage);
        foreach (var incoming in papers)
        {
            var old = stored.GetValueOrDefault(incoming.Paper.Id);
            if (!PaperUpsertRule.ShouldWrite(old, incoming))
            {
                continue;
            }

            var paper = incoming.Paper;
            if (old is not null)
            {
                // Replaced whole (passages, vectors and cached summaries go with the old row), keeping when it was added.
                await DeletePaperAsync(connection, transaction, paper.Id, cancellationToken);
                paper = paper with { AddedAt = old.AddedAt };
            }

            insertPaper.Parameters.Clear();
            PaperRows.Bind(insertPaper, paper, incoming.ContentHash, now);
            await insertPaper.ExecuteNonQueryAsync(cancellationToken);
            for (var i = 0; i < incoming.Passages.Count; i++)
            {
                var vector = incoming.Vectors is { } vectors ? vectors[i] : null;
                withoutVectors += vector is null ? 1 : 0;
                passageParameters.Bind(incoming.Passages[i], paper.Title, vector);
                await insertPassage.ExecuteNonQueryAsync(cancellationToken);
            }

            await RecordChangeAsync(connection, transaction, paper.Id, old is null ? PaperChangeKind.Added : PaperChangeKind.Updated, now, cancellationToken);
            (old is null ? added : updated).Add(paper.Id);
        }

        if (added.Count + updated.Count > 0)
        {
            await SetMetaAsync(connection, transaction, MetaRows.EmbeddingModel, embeddingModel, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new PaperUpsertResult(added, updated, papers.Count - added.Count - updated.Count, withoutVectors);
    }

    public async Task<bool> NeedsSeedingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM papers) = 0 AND NOT EXISTS (SELECT 1 FROM meta WHERE key = $k)";
        MetaRows.Bind(command, MetaRows.Seeded);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 0;
    }

    public async Task MarkSeededAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO meta (key, value) VALUES ($k, '1')";
        MetaRows.Bind(command, MetaRows.Seeded);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> GetLatestChangeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM paper_changes";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<PaperChange>> GetChangesSinceAsync(long sequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, paper_id, kind FROM paper_changes WHERE seq > $seq ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        var changes = new List<PaperChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(PaperChangeRows.Read(reader));
        }

        return changes;
    }

    /// <summary>Appends one entry to the change sequence, in the transaction of the change.</summary>
    internal static async Task RecordChangeAsync(
        SqliteConnection connection, SqliteTransaction transaction, string paperId, PaperChangeKind kind, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = PaperChangeRows.Insert;
        PaperChangeRows.Bind(command, paperId, kind, at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static async Task SetMetaAsync(SqliteConnection connection, SqliteTransaction transaction, string key, string value, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = MetaRows.Upsert;
        MetaRows.Bind(command, key, value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<bool> DeletePaperAsync(SqliteConnection connection, SqliteTransaction transaction, string id, CancellationToken cancellationToken)
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

    private static async Task<Dictionary<string, StoredPaperVersion>> ReadVersionsAsync(
        SqliteConnection connection, SqliteTransaction? transaction, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, StoredPaperVersion>(StringComparer.Ordinal);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT content_hash, version, added_at FROM papers WHERE id = $id";
        var parameter = command.Parameters.Add("$id", SqliteType.Text);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            parameter.Value = id;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                result[id] = PaperRows.ReadVersion(reader);
            }
        }

        return result;
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
