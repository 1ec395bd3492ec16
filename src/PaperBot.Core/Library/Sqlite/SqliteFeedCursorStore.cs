using Microsoft.Data.Sqlite;
using PaperBot.Core.Feeds;
using PaperBot.Core.Library;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite implementation of <see cref="IFeedCursorStore"/>.</summary>
internal sealed class SqliteFeedCursorStore(LibraryStore library) : IFeedCursorStore
{
    private const string Columns = "SELECT source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added FROM feed_cursors";

    public async Task<FeedCursor> GetAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Columns + " WHERE source = $source";
        command.Parameters.AddWithValue("$source", source);
        var rows = await ReadAsync(command, cancellationToken);
        return rows.Count == 0 ? FeedCursor.Empty(source) : rows[0];
    }

    public async Task<IReadOnlyList<FeedCursor>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Columns + " ORDER BY source";
        return await ReadAsync(command, cancellationToken);
    }

    public async Task RecordAttemptAsync(string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO feed_cursors (source, last_attempt) VALUES ($source, $at)
            ON CONFLICT (source) DO UPDATE SET last_attempt = excluded.last_attempt
            """;
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$at", LibraryStore.FormatInstant(at));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordSuccessAsync(FeedCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO feed_cursors (source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added)
            VALUES ($source, $position, $etag, $modified, $url, $attempt, $success, NULL, $added)
            ON CONFLICT (source) DO UPDATE SET position = excluded.position, etag = excluded.etag,
                last_modified = excluded.last_modified, validator_url = excluded.validator_url,
                last_success = excluded.last_success, last_error = NULL, last_added = excluded.last_added
            """;
        command.Parameters.AddWithValue("$source", cursor.Source);
        command.Parameters.AddWithValue("$position", (object?)cursor.Position ?? DBNull.Value);
        command.Parameters.AddWithValue("$etag", (object?)cursor.ETag ?? DBNull.Value);
        command.Parameters.AddWithValue("$modified", (object?)cursor.LastModified ?? DBNull.Value);
        command.Parameters.AddWithValue("$url", (object?)cursor.ValidatorUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("$attempt", cursor.LastAttempt is { } a ? LibraryStore.FormatInstant(a) : DBNull.Value);
        command.Parameters.AddWithValue("$success", cursor.LastSuccess is { } s ? LibraryStore.FormatInstant(s) : DBNull.Value);
        command.Parameters.AddWithValue("$added", cursor.LastAdded);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordFailureAsync(string source, string failure, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO feed_cursors (source, last_error) VALUES ($source, $error)
            ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error
            """;
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$error", failure);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<FeedCursor>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<FeedCursor>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new FeedCursor(
                reader.GetString(0),
                Text(reader, 1),
                Text(reader, 2),
                Text(reader, 3),
                Text(reader, 4),
                Text(reader, 5) is { } attempt ? LibraryStore.ParseInstant(attempt) : null,
                Text(reader, 6) is { } success ? LibraryStore.ParseInstant(success) : null,
                Text(reader, 7),
                reader.GetInt32(8)));
        }

        return rows;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
