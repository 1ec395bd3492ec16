using PaperBot.Core.Library;

namespace PaperBot.Core.Feeds;

/// <summary>Who holds the feed lease, and until when.</summary>
public sealed record FeedLeaseHolder(string Holder, DateTimeOffset Until);

/// <summary>
/// The lease that lets one process at a time fetch feeds from a shared store. It expires on its own, so a holder
/// that dies without releasing it blocks the others only until then (or not at all when it is known to be dead).
/// </summary>
public interface IFeedLease
{
    /// <summary>
    /// Takes the lease for <paramref name="holder"/> until <paramref name="until"/>, or renews it when the holder
    /// has it already. Succeeds over another holder only when that lease has expired at <paramref name="now"/>
    /// or that holder is <paramref name="deadHolder"/>. One atomic statement: two processes never both win.
    /// </summary>
    Task<bool> TryAcquireAsync(string holder, DateTimeOffset now, DateTimeOffset until, string? deadHolder, CancellationToken cancellationToken);

    /// <summary>Gives the lease up, if <paramref name="holder"/> still has it.</summary>
    Task ReleaseAsync(string holder, CancellationToken cancellationToken);

    /// <summary>The current holder (expired or not), or null when nobody holds the lease.</summary>
    Task<FeedLeaseHolder?> GetAsync(CancellationToken cancellationToken);
}

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
