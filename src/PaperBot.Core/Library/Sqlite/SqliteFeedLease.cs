using PaperBot.Core.Feeds;
using PaperBot.Core.Library;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite <see cref="IFeedLease"/> in the library file.</summary>
internal sealed class SqliteFeedLease(LibraryStore library) : IFeedLease
{
    public async Task<bool> TryAcquireAsync(string holder, DateTimeOffset now, DateTimeOffset until, string? deadHolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holder);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO feed_lease (name, holder, lease_until) VALUES ('feeds', $holder, $until)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
            WHERE feed_lease.holder = excluded.holder OR feed_lease.lease_until <= $now OR feed_lease.holder = $dead
            """;
        command.Parameters.AddWithValue("$holder", holder);
        command.Parameters.AddWithValue("$until", LibraryStore.FormatInstant(until));
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        command.Parameters.AddWithValue("$dead", (object?)deadHolder ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseAsync(string holder, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM feed_lease WHERE name = 'feeds' AND holder = $holder";
        command.Parameters.AddWithValue("$holder", holder);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<FeedLeaseHolder?> GetAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT holder, lease_until FROM feed_lease WHERE name = 'feeds'";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FeedLeaseHolder(reader.GetString(0), LibraryStore.ParseInstant(reader.GetString(1)))
            : null;
    }
}
