using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>Passage text and vectors of the SQLite library, as the indexes and the embedder read them.</summary>
public sealed class SqlitePassageStore(LibraryStore library) : IPassageStore
{
    /// <summary>Derived index files sit beside the library file.</summary>
    public string IndexFilePrefix => library.FilePath;

    public async Task<Passage?> GetAsync(long passageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT paper_id, chunk, text FROM passages WHERE rowid = $r";
        command.Parameters.AddWithValue("$r", passageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? PassageRows.ReadPassage(reader) : null;
    }

    public async Task<PassageVectorShape> GetVectorShapeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Counting the passages without a vector goes through their partial index; counting those with one would
        // read every vector (150 MB at 100k passages).
        command.CommandText = """
            SELECT count(*),
                   (SELECT count(*) FROM passages WHERE embedding IS NULL),
                   (SELECT length(embedding) / 4 FROM passages WHERE embedding IS NOT NULL LIMIT 1)
            FROM passages
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var passages = reader.GetInt64(0);
        return new PassageVectorShape(passages, passages - reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2));
    }

    public async IAsyncEnumerable<StoredPassage> ReadAllWithVectorsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, paper_id, chunk, embedding FROM passages WHERE embedding IS NOT NULL ORDER BY rowid";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PassageRows.ReadStored(reader, withVector: true);
        }
    }

    public async IAsyncEnumerable<StoredPassage> ReadAllKeysAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The (paper_id, chunk) index covers this: no row with its vector is read.
        command.CommandText = "SELECT rowid, paper_id, chunk FROM passages";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PassageRows.ReadStored(reader, withVector: false);
        }
    }

    public async Task<IReadOnlyList<StoredPassage>> ReadVectorsAsync(IReadOnlyList<long> passageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(passageIds);
        var result = new List<StoredPassage>(passageIds.Count);
        if (passageIds.Count == 0)
        {
            return result;
        }

        // One statement for the whole batch (a search re-scores its 200 candidates with this): rowid lookups of a JSON array.
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, paper_id, chunk, embedding FROM passages WHERE rowid IN (SELECT value FROM json_each($ids)) AND length(embedding) > 0";
        command.Parameters.AddWithValue("$ids", "[" + string.Join(',', passageIds.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(PassageRows.ReadStored(reader, withVector: true));
        }

        return result;
    }

    public async Task<IReadOnlyList<StoredPassage>> ReadPaperPassagesAsync(IReadOnlyCollection<string> paperIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paperIds);
        var result = new List<StoredPassage>();
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, paper_id, chunk, embedding FROM passages WHERE paper_id = $p";
        var parameter = command.Parameters.Add("$p", SqliteType.Text);
        foreach (var id in paperIds)
        {
            parameter.Value = id;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Add(PassageRows.ReadStored(reader, withVector: true));
            }
        }

        result.Sort((a, b) => a.Id.CompareTo(b.Id));
        return result;
    }

    public async Task<string?> GetEmbeddingModelAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = MetaRows.SelectValue;
        MetaRows.Bind(command, MetaRows.EmbeddingModel);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<IReadOnlyList<(long PassageId, string Text)>> ListForEmbeddingAsync(bool all, CancellationToken cancellationToken = default)
    {
        var pending = new List<(long, string)>();
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = all
            ? "SELECT rowid, text FROM passages ORDER BY rowid"
            : "SELECT rowid, text FROM passages WHERE embedding IS NULL"; // the partial index; ORDER BY rowid would make SQLite scan the table
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pending.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        pending.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return pending;
    }

    public async Task SetVectorsAsync(IReadOnlyList<(long PassageId, float[] Vector)> vectors, string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var papers = new HashSet<string>(StringComparer.Ordinal);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE passages SET embedding = $v WHERE rowid = $r RETURNING paper_id";
            var v = update.Parameters.Add("$v", SqliteType.Blob);
            var r = update.Parameters.Add("$r", SqliteType.Integer);
            foreach (var (passageId, vector) in vectors)
            {
                v.Value = PassageRows.ToBlob(vector);
                r.Value = passageId;
                if (await update.ExecuteScalarAsync(cancellationToken) is string paperId)
                {
                    papers.Add(paperId);
                }
            }
        }

        await SqlitePaperStore.SetMetaAsync(connection, transaction, MetaRows.EmbeddingModel, model, cancellationToken);
        var now = library.Time.GetUtcNow();
        foreach (var paperId in papers.Order(StringComparer.Ordinal))
        {
            await SqlitePaperStore.RecordChangeAsync(connection, transaction, paperId, PaperChangeKind.Updated, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
