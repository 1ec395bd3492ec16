using Npgsql;
using PaperBot.Core.Feeds;

namespace PaperBot.Store.Postgres;

/// <summary>
/// The PostgreSQL <see cref="IFeedLease"/>. Taking it is one upsert whose update applies only when the lease is
/// free to take, so of processes racing for it exactly one sees a row written.
/// </summary>
internal sealed class PostgresFeedLease(PostgresLibrary library) : IFeedLease
{
    public async Task<bool> TryAcquireAsync(string holder, DateTimeOffset now, DateTimeOffset until, string? deadHolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holder);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO feed_lease (name, holder, lease_until) VALUES ('feeds', @holder, @until)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
            WHERE feed_lease.holder = excluded.holder OR feed_lease.lease_until <= @now OR feed_lease.holder = @dead
            """, connection);
        command.Text("holder", holder).Instant("until", until).Instant("now", now).Text("dead", deadHolder);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseAsync(string holder, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM feed_lease WHERE name = 'feeds' AND holder = @holder", connection);
        command.Text("holder", holder);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<FeedLeaseHolder?> GetAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT holder, lease_until FROM feed_lease WHERE name = 'feeds'", connection);
        return (await command.ReadAllAsync(r => new FeedLeaseHolder(r.GetString(0), r.GetInstant(1)), cancellationToken)).FirstOrDefault();
    }
}
