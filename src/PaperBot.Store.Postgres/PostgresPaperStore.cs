using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Store.Postgres;

/// <summary>
/// The papers, passages and vectors of the PostgreSQL library, with its change sequence. Every transaction that
/// writes papers takes one transaction-level advisory lock first (<see cref="PaperWriteLock"/>): the read that decides
/// an upsert happens under it, and since sequence numbers are drawn under it too, they are committed in the order they
/// were drawn. Without it a reader catching up with <c>seq &gt; last</c> could pass over a lower number committed
/// after a higher one.
/// </summary>
internal sealed class PostgresPaperStore(PostgresLibrary library, TimeProvider time) : IPaperStore, IDigestPaperSource
{
    public async Task<IReadOnlyList<Paper>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{PostgresPaperRows.Select} WHERE id = ANY(@ids)", connection);
        command.TextArray("ids", [.. ids.Distinct(StringComparer.Ordinal)]);
        var found = (await command.ReadAllAsync(PostgresPaperRows.Read, cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        return [.. ids.Where(found.ContainsKey).Distinct(StringComparer.Ordinal).Select(id => found[id])];
    }

    public async Task<IReadOnlyList<Paper>> FindByTitlePrefixAsync(string prefix, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"{PostgresPaperRows.Select} WHERE lower(title) LIKE @prefix ORDER BY title COLLATE \"C\" LIMIT @limit", connection);
        command.Text("prefix", EscapeLike(prefix.ToLowerInvariant()) + "%").Int32("limit", Math.Max(0, limit));
        return await command.ReadAllAsync(PostgresPaperRows.Read, cancellationToken);
    }

    public async Task<IReadOnlyList<Paper>> SuggestAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = PaperIds.NormalizeWhitespace(text);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            {PostgresPaperRows.Select}
            WHERE @text = '' OR id ILIKE @prefix OR title ILIKE @contains
            ORDER BY CASE WHEN id ILIKE @prefix OR title ILIKE @prefix THEN 0 ELSE 1 END, added_at DESC, id COLLATE "C"
            LIMIT @limit
            """, connection);
        command.Text("text", text).Text("prefix", EscapeLike(text) + "%").Text("contains", "%" + EscapeLike(text) + "%").Int32("limit", Math.Max(0, limit));
        return await command.ReadAllAsync(PostgresPaperRows.Read, cancellationToken);
    }

    public async Task<IReadOnlyList<Paper>> ListAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        // LIMIT NULL is no limit.
        await using var command = new NpgsqlCommand(
            $"{PostgresPaperRows.Select} WHERE @since::timestamptz IS NULL OR added_at >= @since ORDER BY added_at DESC, id COLLATE \"C\" LIMIT @limit", connection);
        command.Instant("since", since);
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = (object?)limit ?? DBNull.Value });
        return await command.ReadAllAsync(PostgresPaperRows.Read, cancellationToken);
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PaperWriteLock.TakeAsync(connection, transaction, cancellationToken);
        var removed = await DeletePaperAsync(connection, transaction, id, cancellationToken);
        if (removed)
        {
            await RecordChangesAsync(connection, transaction, [id], PaperChangeKind.Removed, time.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async Task<LibraryStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM papers)::integer,
                   (SELECT count(*) FROM passages)::integer,
                   (SELECT count(*) FROM passages WHERE embedding IS NOT NULL)::integer,
                   (SELECT value FROM meta WHERE key = 'embedding_model'),
                   (SELECT count(*) FROM summaries)::integer,
                   (SELECT max(added_at) FROM papers),
                   pg_database_size(current_database())
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new LibraryStats(
            reader.GetInt32(0),
            reader.GetInt32(1),
            reader.GetInt32(2),
            reader.GetNullableString(3),
            reader.GetInt32(4),
            reader.GetInt64(6),
            library.Describe(),
            reader.GetNullableInstant(5));
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
        var now = time.GetUtcNow();
        var added = new List<string>();
        var updated = new List<string>();
        var written = new List<(string Id, PaperChangeKind Kind)>();
        var withoutVectors = 0;
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The lock first, then the read that decides: a second process ingesting the same paper waits and then finds it.
        await PaperWriteLock.TakeAsync(connection, transaction, cancellationToken);
        var stored = await ReadVersionsAsync(connection, transaction, [.. papers.Select(p => p.Paper.Id)], cancellationToken);
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

            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(PostgresPaperRows.Insert(paper, incoming.ContentHash, now));
            for (var i = 0; i < incoming.Passages.Count; i++)
            {
                var vector = incoming.Vectors?[i];
                withoutVectors += vector is null ? 1 : 0;
                batch.BatchCommands.Add(PostgresPassageRows.Insert(incoming.Passages[i], vector));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            (old is null ? added : updated).Add(paper.Id);
            written.Add((paper.Id, old is null ? PaperChangeKind.Added : PaperChangeKind.Updated));
            stored[paper.Id] = new StoredPaperVersion(incoming.ContentHash, paper.Version, paper.AddedAt);
        }

        // Numbered in the order written, under the lock.
        foreach (var (id, kind) in written)
        {
            await RecordChangesAsync(connection, transaction, [id], kind, now, cancellationToken);
        }

        if (added.Count + updated.Count > 0)
        {
            await SetMetaAsync(connection, transaction, PostgresMeta.EmbeddingModel, embeddingModel, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new PaperUpsertResult(added, updated, papers.Count - added.Count - updated.Count, withoutVectors);
    }

    public async Task<bool> NeedsSeedingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT NOT EXISTS (SELECT 1 FROM papers) AND NOT EXISTS (SELECT 1 FROM meta WHERE key = @key)", connection);
        command.Text("key", PostgresMeta.Seeded);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task MarkSeededAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("INSERT INTO meta (key, value) VALUES (@key, '1') ON CONFLICT (key) DO NOTHING", connection);
        command.Text("key", PostgresMeta.Seeded);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> GetLatestChangeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(max(seq), 0) FROM paper_changes", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<PaperChange>> GetChangesSinceAsync(long sequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT seq, paper_id, kind FROM paper_changes WHERE seq > @seq ORDER BY seq LIMIT @limit", connection);
        command.Int64("seq", sequence).Int32("limit", Math.Max(0, limit));
        return await command.ReadAllAsync(PostgresPaperRows.ReadChange, cancellationToken);
    }

    // Digests: a paper's arrival number is its added_seq, drawn under the paper write lock like the change sequence,
    // so a digest's high-water mark never passes over a paper committed later with a lower number. An updated paper is
    // written anew and arrives again, as in the SQLite library.
    public async Task<long> GetArrivalHighWaterAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(max(added_seq), 0) FROM papers", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<DigestCandidate>> GetArrivalsAsync(long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken)
    {
        List<Paper> papers;
        await using (var connection = await library.OpenAsync(cancellationToken))
        await using (var command = new NpgsqlCommand($"""
            {PostgresPaperRows.Select}
            WHERE added_seq <= @upTo
              AND (@after::bigint IS NULL OR added_seq > @after)
              AND (@after::bigint IS NOT NULL OR @since::timestamptz IS NULL OR updated_at >= @since)
            ORDER BY added_at DESC, id COLLATE "C"
            """, connection))
        {
            command.Int64("upTo", upToArrival).Int64("after", afterArrival).Instant("since", addedSince);
            papers = await command.ReadAllAsync(PostgresPaperRows.Read, cancellationToken);
        }

        var vectors = await GetPaperVectorsAsync([.. papers.Select(p => p.Id)], cancellationToken);
        return [.. papers.Select(p => new DigestCandidate(p, vectors.GetValueOrDefault(p.Id)))];
    }

    public async Task<IReadOnlyDictionary<string, float[]>> GetPaperVectorsAsync(IReadOnlyList<string> paperIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paperIds);
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (paperIds.Count == 0)
        {
            return vectors;
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT paper_id, embedding FROM passages WHERE chunk = 0 AND embedding IS NOT NULL AND paper_id = ANY(@ids)", connection);
        command.TextArray("ids", paperIds);
        foreach (var (paperId, vector) in await command.ReadAllAsync(r => (r.GetString(0), r.GetFieldValue<float[]>(1)), cancellationToken))
        {
            vectors[paperId] = vector;
        }

        return vectors;
    }

    /// <summary>Appends to the change sequence, in the transaction of the change (which holds <see cref="PaperWriteLock"/>).</summary>
    internal static async Task RecordChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> paperIds, PaperChangeKind kind, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // WITH ORDINALITY: one number per paper, in the order given.
        await using var command = new NpgsqlCommand("""
            INSERT INTO paper_changes (paper_id, kind, changed_at)
            SELECT paper, @kind, @at FROM unnest(@papers) WITH ORDINALITY AS p (paper, n) ORDER BY n
            """, connection, transaction);
        command.TextArray("papers", paperIds).Text("kind", PaperChangeKinds.ToText(kind)).Instant("at", at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static async Task SetMetaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, string value, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", connection, transaction);
        command.Text("key", key).Text("value", value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<bool> DeletePaperAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        // Passages and summaries go with it (ON DELETE CASCADE).
        await using var command = new NpgsqlCommand("DELETE FROM papers WHERE id = @id", connection, transaction);
        command.Text("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<Dictionary<string, StoredPaperVersion>> ReadVersionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, content_hash, version, added_at FROM papers WHERE id = ANY(@ids)", connection, transaction);
        command.TextArray("ids", [.. ids.Distinct(StringComparer.Ordinal)]);
        var rows = await command.ReadAllAsync(r => (Id: r.GetString(0), Version: new StoredPaperVersion(r.GetString(1), r.GetInt32(2), r.GetInstant(3))), cancellationToken);
        return rows.ToDictionary(r => r.Id, r => r.Version, StringComparer.Ordinal);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>
/// The transaction-level advisory lock every paper write takes (upsert, remove, new vectors): writes of papers are
/// serialised across processes, which is what makes the change sequence's numbers commit in order.
/// </summary>
internal static class PaperWriteLock
{
    /// <summary>"PaperChg" in ASCII; apart from the migration lock.</summary>
    internal const long Key = 0x5061706572436867;

    public static async Task TakeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({Key})", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Keys of the <c>meta</c> table (the same as the SQLite library's).</summary>
internal static class PostgresMeta
{
    public const string EmbeddingModel = "embedding_model";
    public const string Seeded = "seeded";
}

/// <summary>Row mapper of the <c>papers</c> and <c>paper_changes</c> tables.</summary>
internal static class PostgresPaperRows
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Select =
        "SELECT id, title, authors, abstract, published, categories, source_url, full_text, added_at, version FROM papers";

    public static Paper Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [],
        reader.GetString(3),
        reader.IsDBNull(4) ? null : DateOnly.ParseExact(reader.GetString(4), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        JsonSerializer.Deserialize<string[]>(reader.GetString(5)) ?? [],
        reader.GetNullableString(6),
        reader.GetNullableString(7),
        reader.GetInstant(8),
        reader.GetInt32(9));

    /// <summary>Authors and categories are JSON text, the published date <c>yyyy-MM-dd</c>: the same values as the SQLite library.</summary>
    public static NpgsqlBatchCommand Insert(Paper paper, string contentHash, DateTimeOffset updatedAt)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
            VALUES (@id, @title, @authors, @abstract, @published, @categories, @url, @full, @added, @updated, @version, @hash)
            """);
        Add(command, "id", NpgsqlDbType.Text, paper.Id);
        Add(command, "title", NpgsqlDbType.Text, paper.Title);
        Add(command, "authors", NpgsqlDbType.Text, JsonSerializer.Serialize(paper.Authors));
        Add(command, "abstract", NpgsqlDbType.Text, paper.Abstract);
        Add(command, "published", NpgsqlDbType.Text, paper.Published?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add(command, "categories", NpgsqlDbType.Text, JsonSerializer.Serialize(paper.Categories));
        Add(command, "url", NpgsqlDbType.Text, paper.SourceUrl);
        Add(command, "full", NpgsqlDbType.Text, paper.FullText);
        Add(command, "added", NpgsqlDbType.TimestampTz, paper.AddedAt.ToUniversalTime());
        Add(command, "updated", NpgsqlDbType.TimestampTz, updatedAt.ToUniversalTime());
        Add(command, "version", NpgsqlDbType.Integer, paper.Version);
        Add(command, "hash", NpgsqlDbType.Text, contentHash);
        return command;
    }

    /// <summary>A change from the columns seq, paper_id, kind.</summary>
    public static PaperChange ReadChange(NpgsqlDataReader reader) => new(reader.GetInt64(0), reader.GetString(1), PaperChangeKinds.FromText(reader.GetString(2)));

    internal static void Add(NpgsqlBatchCommand command, string name, NpgsqlDbType type, object? value) =>
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
}
