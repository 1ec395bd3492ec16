using Npgsql;
using PaperBot.Core.Digests;

namespace PaperBot.Store.Postgres;

/// <summary>
/// The PostgreSQL <see cref="IDigestStore"/>: subscriptions, runs, posted papers and votes. An occurrence is
/// claimed by one <c>INSERT … ON CONFLICT DO NOTHING RETURNING</c>, so of processes racing for it exactly one gets
/// a row back. Papers are read through <see cref="IDigestPaperSource"/>, wherever the papers live.
/// </summary>
internal sealed class PostgresDigestStore(PostgresLibrary library, IDigestPaperSource papers) : IDigestStore
{
    private const string SubscriptionColumns =
        "id, guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, high_water, created_at, paused_reason, last_result, last_run_at";

    private const string RunColumns = "id, subscription_id, occurrence, state, claimed_by, lease_until, plan, message_ids, error";

    public async Task<Subscription> UpsertSubscriptionAsync(SubscriptionDraft draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var connection = await library.OpenAsync(cancellationToken);
        // A changed subscription keeps its high-water mark and starts its schedule afresh (created_at = now).
        await using var command = new NpgsqlCommand($"""
            INSERT INTO digest_subscriptions (guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, created_at, created_by)
            VALUES (@guild, @channel, @topics, @categories, @cron, @zone, @max, @min, @now, @by)
            ON CONFLICT (channel_id) DO UPDATE SET guild_id = coalesce(excluded.guild_id, digest_subscriptions.guild_id), topics = excluded.topics,
                categories = excluded.categories, cron = excluded.cron, time_zone = excluded.time_zone, max_papers = excluded.max_papers,
                min_score = excluded.min_score, created_at = excluded.created_at, created_by = excluded.created_by,
                paused_reason = NULL, paused_at = NULL
            RETURNING {SubscriptionColumns}
            """, connection);
        command.Text("guild", draft.GuildId).Text("channel", draft.ChannelId).Text("topics", draft.Topics)
            .TextArray("categories", draft.Categories).Text("cron", draft.Cron).Text("zone", draft.TimeZone)
            .Int32("max", draft.MaxPapers).Double("min", draft.MinScore).Instant("now", now).Text("by", draft.CreatedBy);
        return (await command.ReadAllAsync(ReadSubscription, cancellationToken)).Single();
    }

    public async Task<Subscription?> GetSubscriptionAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SubscriptionColumns} FROM digest_subscriptions WHERE channel_id = @channel", connection);
        command.Text("channel", channelId);
        return (await command.ReadAllAsync(ReadSubscription, cancellationToken)).FirstOrDefault();
    }

    public async Task<Subscription?> GetSubscriptionAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SubscriptionColumns} FROM digest_subscriptions WHERE id = @id", connection);
        command.Int64("id", id);
        return (await command.ReadAllAsync(ReadSubscription, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string? guildId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {SubscriptionColumns} FROM digest_subscriptions WHERE @guild::text IS NULL OR guild_id = @guild ORDER BY id", connection);
        command.Text("guild", guildId);
        return await command.ReadAllAsync(ReadSubscription, cancellationToken);
    }

    public async Task<bool> RemoveSubscriptionAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM digest_subscriptions WHERE channel_id = @channel", connection);
        command.Text("channel", channelId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task PauseAsync(long subscriptionId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE digest_subscriptions SET paused_reason = @reason, paused_at = @now, last_result = @result WHERE id = @id", connection);
        command.Int64("id", subscriptionId).Text("reason", reason).Text("result", "paused: " + reason).Instant("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<long> GetArrivalHighWaterAsync(CancellationToken cancellationToken) => papers.GetArrivalHighWaterAsync(cancellationToken);

    public async Task<IReadOnlyList<DigestCandidate>> GetCandidatesAsync(
        string? channelId, long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken)
    {
        var arrivals = await papers.GetArrivalsAsync(afterArrival, addedSince, upToArrival, cancellationToken);
        if (channelId is null || arrivals.Count == 0)
        {
            return arrivals;
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT paper_id FROM digest_posted WHERE channel_id = @channel AND paper_id = ANY(@papers)", connection);
        command.Text("channel", channelId).TextArray("papers", [.. arrivals.Select(c => c.Paper.Id)]);
        var posted = (await command.ReadAllAsync(r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
        return [.. arrivals.Where(c => !posted.Contains(c.Paper.Id))];
    }

    public Task<IReadOnlyDictionary<string, float[]>> GetPaperVectorsAsync(IReadOnlyList<string> paperIds, CancellationToken cancellationToken) =>
        papers.GetPaperVectorsAsync(paperIds, cancellationToken);

    public async Task<DigestRun?> TryClaimAsync(long subscriptionId, string occurrence, string owner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        // The unique (subscription_id, occurrence) key decides: exactly one INSERT returns a row, in any process.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO digest_runs (subscription_id, occurrence, state, claimed_by, lease_until, created_at)
            VALUES (@sub, @occurrence, 'claimed', @owner, @lease, @now)
            ON CONFLICT (subscription_id, occurrence) DO NOTHING
            RETURNING {RunColumns}
            """, connection);
        command.Int64("sub", subscriptionId).Text("occurrence", occurrence).Text("owner", owner).Instant("lease", leaseUntil).Instant("now", now);
        return (await command.ReadAllAsync(ReadRun, cancellationToken)).FirstOrDefault();
    }

    public async Task<DigestRun?> TryTakeOverAsync(long runId, string owner, string? deadOwner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            UPDATE digest_runs SET claimed_by = @owner, lease_until = @lease
            WHERE id = @id AND state = 'claimed' AND (lease_until <= @now OR claimed_by = @owner OR claimed_by = @dead)
            RETURNING {RunColumns}
            """, connection);
        command.Int64("id", runId).Text("owner", owner).Text("dead", deadOwner).Instant("lease", leaseUntil).Instant("now", now);
        return (await command.ReadAllAsync(ReadRun, cancellationToken)).FirstOrDefault();
    }

    public async Task<DigestRun?> GetRunAsync(long subscriptionId, string occurrence, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {RunColumns} FROM digest_runs WHERE subscription_id = @sub AND occurrence = @occurrence", connection);
        command.Int64("sub", subscriptionId).Text("occurrence", occurrence);
        return (await command.ReadAllAsync(ReadRun, cancellationToken)).FirstOrDefault();
    }

    public async Task<DigestRun?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {RunColumns} FROM digest_runs WHERE id = @id", connection);
        command.Int64("id", runId);
        return (await command.ReadAllAsync(ReadRun, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<DigestRun>> ListUnfinishedRunsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {RunColumns} FROM digest_runs WHERE state = 'claimed' ORDER BY id", connection);
        return await command.ReadAllAsync(ReadRun, cancellationToken);
    }

    public async Task<DigestRun> SavePlanAsync(long runId, string plan, CancellationToken cancellationToken)
    {
        await using (var connection = await library.OpenAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("UPDATE digest_runs SET plan = @plan WHERE id = @id AND plan IS NULL", connection))
        {
            command.Int64("id", runId).Text("plan", plan);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await GetRunAsync(runId, cancellationToken))!;
    }

    public async Task RecordPartAsync(long runId, int partIndex, string messageId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        List<string?> ids;
        await using (var read = new NpgsqlCommand("SELECT message_ids FROM digest_runs WHERE id = @id FOR UPDATE", connection, transaction))
        {
            read.Int64("id", runId);
            ids = [.. (string?[])(await read.ExecuteScalarAsync(cancellationToken))!];
        }

        while (ids.Count <= partIndex)
        {
            ids.Add(null);
        }

        ids[partIndex] = messageId;
        await using (var write = new NpgsqlCommand("UPDATE digest_runs SET message_ids = @ids, lease_until = @lease WHERE id = @id", connection, transaction))
        {
            write.Int64("id", runId).TextArray("ids", ids).Instant("lease", leaseUntil);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompleteRunAsync(DigestRun run, string channelId, IReadOnlyList<string> paperIds, long highWater, string result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(paperIds);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var done = new NpgsqlCommand(
            "UPDATE digest_runs SET state = 'done', finished_at = @now, high_water = @hw WHERE id = @id", connection, transaction))
        {
            done.Int64("id", run.Id).Int64("hw", highWater).Instant("now", now);
            await done.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var subscription = new NpgsqlCommand("""
            UPDATE digest_subscriptions SET high_water = greatest(coalesce(high_water, 0), @hw), last_result = @result, last_run_at = @now
            WHERE id = @sub
            """, connection, transaction))
        {
            subscription.Int64("sub", run.SubscriptionId).Int64("hw", highWater).Text("result", result).Instant("now", now);
            await subscription.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var posted = new NpgsqlCommand("""
            INSERT INTO digest_posted (channel_id, paper_id, run_id, posted_at)
            SELECT @channel, paper, @run, @now FROM unnest(@papers) AS paper
            ON CONFLICT (channel_id, paper_id) DO NOTHING
            """, connection, transaction))
        {
            posted.Text("channel", channelId).TextArray("papers", paperIds).Int64("run", run.Id).Instant("now", now);
            await posted.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task EndRunAsync(long runId, string state, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE digest_runs SET state = @state, error = @reason, finished_at = @now WHERE id = @id AND state = 'claimed'", connection);
        command.Int64("id", runId).Text("state", state).Text("reason", reason).Instant("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordSkippedAsync(long subscriptionId, string occurrence, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO digest_runs (subscription_id, occurrence, state, claimed_by, lease_until, created_at, finished_at, error)
            VALUES (@sub, @occurrence, 'skipped', '', @now, @now, @now, @reason)
            ON CONFLICT (subscription_id, occurrence) DO NOTHING
            """, connection);
        command.Int64("sub", subscriptionId).Text("occurrence", occurrence).Text("reason", reason).Instant("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordVoteAsync(string channelId, string paperId, string userId, int vote, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO digest_votes (channel_id, paper_id, user_id, vote, voted_at) VALUES (@channel, @paper, @user, @vote, @now)
            ON CONFLICT (channel_id, paper_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
            """, connection);
        command.Text("channel", channelId).Text("paper", paperId).Text("user", userId).Int32("vote", Math.Sign(vote)).Instant("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DigestVote>> GetVotesAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT paper_id, sum(vote)::integer FROM digest_votes WHERE channel_id = @channel
            GROUP BY paper_id HAVING sum(vote) <> 0 ORDER BY paper_id COLLATE "C"
            """, connection);
        command.Text("channel", channelId);
        return await command.ReadAllAsync(r => new DigestVote(r.GetString(0), r.GetInt32(1)), cancellationToken);
    }

    private static Subscription ReadSubscription(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetNullableString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<string[]>(4),
        reader.GetString(5),
        reader.GetString(6),
        reader.GetInt32(7),
        reader.GetDouble(8),
        reader.IsDBNull(9) ? null : reader.GetInt64(9),
        reader.GetInstant(10),
        reader.GetNullableString(11),
        reader.GetNullableString(12),
        reader.GetNullableInstant(13));

    private static DigestRun ReadRun(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetInt64(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetInstant(5),
        reader.GetNullableString(6),
        [.. reader.GetFieldValue<string?[]>(7).Select(id => id ?? "")],
        reader.GetNullableString(8));
}
