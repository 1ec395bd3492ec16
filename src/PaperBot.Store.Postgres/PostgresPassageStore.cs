using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Store.Postgres;

/// <summary>
/// Passage text and vectors (<c>real[]</c>) of the PostgreSQL library, as the indexes and the embedder read them.
/// There is no library file to keep derived index files beside: each process keeps them in a local folder
/// (<paramref name="indexFilePrefix"/>, see <see cref="IndexFilePrefixFor"/>).
/// </summary>
internal sealed class PostgresPassageStore(PostgresLibrary library, TimeProvider time, string indexFilePrefix) : IPassageStore
{
    public string IndexFilePrefix => indexFilePrefix;

    /// <summary>
    /// The local path prefix of a process's derived index files: beside where the SQLite library file would be
    /// (<c>Library:Path</c>), named after the server and database, so that libraries on two databases never share one.
    /// </summary>
    public static string IndexFilePrefixFor(string libraryFilePath, string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var name = new StringBuilder("postgres-");
        foreach (var c in $"{settings.Host}-{settings.Port}-{settings.Database ?? settings.Username}")
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_');
        }

        var folder = Path.GetDirectoryName(libraryFilePath) ?? ".";
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name.ToString());
    }

    public async Task<Passage?> GetAsync(long passageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT paper_id, chunk, text FROM passages WHERE id = @id", connection);
        command.Int64("id", passageId);
        return (await command.ReadAllAsync(r => new Passage(r.GetString(0), r.GetInt32(1), r.GetString(2)), cancellationToken)).FirstOrDefault();
    }

    public async Task<PassageVectorShape> GetVectorShapeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        // Passages without a vector are counted through their partial index.
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM passages),
                   (SELECT count(*) FROM passages WHERE embedding IS NULL),
                   (SELECT array_length(embedding, 1) FROM passages WHERE embedding IS NOT NULL LIMIT 1)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var passages = reader.GetInt64(0);
        return new PassageVectorShape(passages, passages - reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2));
    }

    public async IAsyncEnumerable<StoredPassage> ReadAllWithVectorsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, paper_id, chunk, embedding FROM passages WHERE embedding IS NOT NULL ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresPassageRows.ReadStored(reader, withVector: true);
        }
    }

    public async IAsyncEnumerable<StoredPassage> ReadAllKeysAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, paper_id, chunk FROM passages", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresPassageRows.ReadStored(reader, withVector: false);
        }
    }

    public async Task<IReadOnlyList<StoredPassage>> ReadVectorsAsync(IReadOnlyList<long> passageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(passageIds);
        if (passageIds.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, paper_id, chunk, embedding FROM passages WHERE id = ANY(@ids) AND cardinality(embedding) > 0", connection);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = passageIds.ToArray() });
        var found = (await command.ReadAllAsync(r => PostgresPassageRows.ReadStored(r, withVector: true), cancellationToken)).ToDictionary(p => p.Id);
        return [.. passageIds.Where(found.ContainsKey).Select(id => found[id])];
    }

    public async Task<IReadOnlyList<StoredPassage>> ReadPaperPassagesAsync(IReadOnlyCollection<string> paperIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paperIds);
        if (paperIds.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, paper_id, chunk, embedding FROM passages WHERE paper_id = ANY(@papers) ORDER BY id", connection);
        command.TextArray("papers", [.. paperIds]);
        return await command.ReadAllAsync(r => PostgresPassageRows.ReadStored(r, withVector: true), cancellationToken);
    }

    public async Task<string?> GetEmbeddingModelAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT value FROM meta WHERE key = @key", connection);
        command.Text("key", PostgresMeta.EmbeddingModel);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<IReadOnlyList<(long PassageId, string Text)>> ListForEmbeddingAsync(bool all, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            all ? "SELECT id, text FROM passages ORDER BY id" : "SELECT id, text FROM passages WHERE embedding IS NULL ORDER BY id", connection);
        return await command.ReadAllAsync(r => (r.GetInt64(0), r.GetString(1)), cancellationToken);
    }

    public async Task SetVectorsAsync(IReadOnlyList<(long PassageId, float[] Vector)> vectors, string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PaperWriteLock.TakeAsync(connection, transaction, cancellationToken);
        var papers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var chunk in vectors.Chunk(500))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var (passageId, vector) in chunk)
            {
                var update = new NpgsqlBatchCommand("UPDATE passages SET embedding = @vector WHERE id = @id RETURNING paper_id");
                PostgresPaperRows.Add(update, "vector", NpgsqlDbType.Array | NpgsqlDbType.Real, vector);
                PostgresPaperRows.Add(update, "id", NpgsqlDbType.Bigint, passageId);
                batch.BatchCommands.Add(update);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    papers.Add(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }

        await PostgresPaperStore.SetMetaAsync(connection, transaction, PostgresMeta.EmbeddingModel, model, cancellationToken);
        if (papers.Count > 0)
        {
            await PostgresPaperStore.RecordChangesAsync(connection, transaction, [.. papers], PaperChangeKind.Updated, time.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>Row mapper of the <c>passages</c> table.</summary>
internal static class PostgresPassageRows
{
    public static NpgsqlBatchCommand Insert(Passage passage, float[]? vector)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO passages (paper_id, chunk, text, embedding) VALUES (@paper, @chunk, @text, @embedding)");
        PostgresPaperRows.Add(command, "paper", NpgsqlDbType.Text, passage.PaperId);
        PostgresPaperRows.Add(command, "chunk", NpgsqlDbType.Integer, passage.ChunkIndex);
        PostgresPaperRows.Add(command, "text", NpgsqlDbType.Text, passage.Text);
        PostgresPaperRows.Add(command, "embedding", NpgsqlDbType.Array | NpgsqlDbType.Real, vector);
        return command;
    }

    /// <summary>A stored passage from the columns id, paper_id, chunk and, when <paramref name="withVector"/>, embedding.</summary>
    public static StoredPassage ReadStored(NpgsqlDataReader reader, bool withVector) => new(
        reader.GetInt64(0),
        string.Intern(reader.GetString(1)),
        reader.GetInt32(2),
        withVector && !reader.IsDBNull(3) ? reader.GetFieldValue<float[]>(3) : null);
}
