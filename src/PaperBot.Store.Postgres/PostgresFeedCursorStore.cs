using Npgsql;
using PaperBot.Core.Feeds;

namespace PaperBot.Store.Postgres;

/// <summary>The PostgreSQL <see cref="IFeedCursorStore"/>: one row per source, shared by every process.</summary>
internal sealed class PostgresFeedCursorStore(PostgresLibrary library) : IFeedCursorStore
{
    private const string Columns =
        "SELECT source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added FROM feed_cursors";

    public async Task<FeedCursor> GetAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Columns + " WHERE source = @source", connection);
        command.Text("source", source);
        return (await command.ReadAllAsync(Read, cancellationToken)).FirstOrDefault() ?? FeedCursor.Empty(source);
    }

    public async Task<IReadOnlyList<FeedCursor>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Columns + " ORDER BY source", connection);
        return await command.ReadAllAsync(Read, cancellationToken);
    }

    public async Task RecordAttemptAsync(string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO feed_cursors (source, last_attempt) VALUES (@source, @at)
            ON CONFLICT (source) DO UPDATE SET last_attempt = excluded.last_attempt
            """, connection);
        command.Text("source", source).Instant("at", at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordSuccessAsync(FeedCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO feed_cursors (source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added)
            VALUES (@source, @position, @etag, @modified, @url, @attempt, @success, NULL, @added)
            ON CONFLICT (source) DO UPDATE SET position = excluded.position, etag = excluded.etag,
                last_modified = excluded.last_modified, validator_url = excluded.validator_url,
                last_success = excluded.last_success, last_error = NULL, last_added = excluded.last_added
            """, connection);
        command.Text("source", cursor.Source).Text("position", cursor.Position).Text("etag", cursor.ETag)
            .Text("modified", cursor.LastModified).Text("url", cursor.ValidatorUrl)
            .Instant("attempt", cursor.LastAttempt).Instant("success", cursor.LastSuccess).Int32("added", cursor.LastAdded);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordFailureAsync(string source, string failure, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO feed_cursors (source, last_error) VALUES (@source, @error)
            ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error
            """, connection);
        command.Text("source", source).Text("error", failure);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static FeedCursor Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetNullableString(1),
        reader.GetNullableString(2),
        reader.GetNullableString(3),
        reader.GetNullableString(4),
        reader.GetNullableInstant(5),
        reader.GetNullableInstant(6),
        reader.GetNullableString(7),
        reader.GetInt32(8));
}
