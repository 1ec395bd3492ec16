using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite implementation of <see cref="IDigestStore"/>.</summary>
internal sealed class SqliteDigestStore(LibraryStore library) : IDigestStore, IDigestPaperSource
{
    private const string SubscriptionColumns =
        "SELECT id, guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, high_water, created_at, paused_reason, last_result, last_run_at FROM digest_subscriptions";

    private const string RunColumns =
        "SELECT id, subscription_id, occurrence, state, claimed_by, lease_until, plan, message_ids, error FROM digest_runs";

    public async Task<Subscription> UpsertSubscriptionAsync(SubscriptionDraft draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // A changed subscription keeps its high-water mark and starts its schedule afresh (created_at = now),
        // so moving the time earlier today does not post a "missed" digest at once.
        command.CommandText = """
            INSERT INTO digest_subscriptions (guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, created_at, created_by)
            VALUES ($guild, $channel, $topics, $categories, $cron, $zone, $max, $min, $now, $by)
            ON CONFLICT (channel_id) DO UPDATE SET guild_id = coalesce(excluded.guild_id, guild_id), topics = excluded.topics,
                categories = excluded.categories, cron = excluded.cron, time_zone = excluded.time_zone, max_papers = excluded.max_papers,
                min_score = excluded.min_score, created_at = excluded.created_at, created_by = excluded.created_by,
                paused_reason = NULL, paused_at = NULL
            """;
        command.Parameters.AddWithValue("$guild", (object?)draft.GuildId ?? DBNull.Value);
        command.Parameters.AddWithValue("$channel", draft.ChannelId);
        command.Parameters.AddWithValue("$topics", draft.Topics);
        command.Parameters.AddWithValue("$categories", JsonSerializer.Serialize(draft.Categories));
        command.Parameters.AddWithValue("$cron", draft.Cron);
        command.Parameters.AddWithValue("$zone", draft.TimeZone);
        command.Parameters.AddWithValue("$max", draft.MaxPapers);
        command.Parameters.AddWithValue("$min", draft.MinScore);
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        command.Parameters.AddWithValue("$by", (object?)draft.CreatedBy ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (await GetSubscriptionAsync(draft.ChannelId, cancellationToken))!;
    }

    public async Task<Subscription?> GetSubscriptionAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SubscriptionColumns + " WHERE channel_id = $channel";
        command.Parameters.AddWithValue("$channel", channelId);
        return (await ReadSubscriptionsAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<Subscription?> GetSubscriptionAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SubscriptionColumns + " WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (await ReadSubscriptionsAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string? guildId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SubscriptionColumns + " WHERE $guild IS NULL OR guild_id = $guild ORDER BY id";
        command.Parameters.AddWithValue("$guild", (object?)guildId ?? DBNull.Value);
        return await ReadSubscriptionsAsync(command, cancellationToken);
    }

    public async Task<bool> RemoveSubscriptionAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM digest_subscriptions WHERE channel_id = $channel";
        command.Parameters.AddWithValue("$channel", channelId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task PauseAsync(long subscriptionId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE digest_subscriptions SET paused_reason = $reason, paused_at = $now, last_result = $result WHERE id = $id";
        command.Parameters.AddWithValue("$id", subscriptionId);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$result", "paused: " + reason);
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> GetArrivalHighWaterAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM paper_arrivals";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<DigestCandidate>> GetCandidatesAsync(
        string? channelId, long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            {LibraryStore.PaperColumns}
            WHERE id IN (
                SELECT a.paper_id FROM paper_arrivals a
                WHERE a.seq <= $upTo
                  AND ($after IS NULL OR a.seq > $after)
                  AND ($after IS NOT NULL OR $since IS NULL OR a.added_at >= $since))
              AND ($channel IS NULL OR id NOT IN (SELECT paper_id FROM digest_posted WHERE channel_id = $channel))
            ORDER BY added_at DESC, id
            """;
        command.Parameters.AddWithValue("$upTo", upToArrival);
        command.Parameters.AddWithValue("$after", (object?)afterArrival ?? DBNull.Value);
        command.Parameters.AddWithValue("$since", addedSince is { } s ? LibraryStore.FormatInstant(s) : DBNull.Value);
        command.Parameters.AddWithValue("$channel", (object?)channelId ?? DBNull.Value);
        var result = new List<DigestCandidate>();
        var papers = await LibraryStore.ReadPapersAsync(command, cancellationToken);
        var vectors = await GetPaperVectorsAsync([.. papers.Select(p => p.Id)], cancellationToken);
        foreach (var paper in papers)
        {
            result.Add(new DigestCandidate(paper, vectors.GetValueOrDefault(paper.Id)));
        }

        return result;
    }

    public Task<IReadOnlyList<DigestCandidate>> GetArrivalsAsync(long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken) =>
        GetCandidatesAsync(null, afterArrival, addedSince, upToArrival, cancellationToken);

    public async Task<IReadOnlyDictionary<string, float[]>> GetPaperVectorsAsync(IReadOnlyList<string> paperIds, CancellationToken cancellationToken)
    {
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (paperIds.Count == 0)
        {
            return vectors;
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT paper_id, embedding FROM passages WHERE chunk = 0 AND embedding IS NOT NULL AND paper_id IN (SELECT value FROM json_each($ids))";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(paperIds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            vectors[reader.GetString(0)] = PassageEmbedder.FromBlob((byte[])reader.GetValue(1));
        }

        return vectors;
    }

    public async Task<DigestRun?> TryClaimAsync(long subscriptionId, string occurrence, string owner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The unique (subscription_id, occurrence) key decides: exactly one INSERT wins, in any process.
        command.CommandText = """
            INSERT INTO digest_runs (subscription_id, occurrence, state, claimed_by, lease_until, created_at)
            VALUES ($sub, $occurrence, 'claimed', $owner, $lease, $now)
            ON CONFLICT (subscription_id, occurrence) DO NOTHING
            """;
        command.Parameters.AddWithValue("$sub", subscriptionId);
        command.Parameters.AddWithValue("$occurrence", occurrence);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$lease", LibraryStore.FormatInstant(leaseUntil));
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return null;
        }

        return await GetRunAsync(subscriptionId, occurrence, cancellationToken);
    }

    public async Task<DigestRun?> TryTakeOverAsync(long runId, string owner, string? deadOwner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE digest_runs SET claimed_by = $owner, lease_until = $lease
            WHERE id = $id AND state = 'claimed' AND (lease_until <= $now OR claimed_by = $owner OR claimed_by = $dead)
            """;
        command.Parameters.AddWithValue("$id", runId);
        command.Parameters.AddWithValue("$dead", (object?)deadOwner ?? DBNull.Value);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$lease", LibraryStore.FormatInstant(leaseUntil));
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return null;
        }

        return await GetRunAsync(runId, cancellationToken);
    }

    public async Task<DigestRun?> GetRunAsync(long subscriptionId, string occurrence, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RunColumns + " WHERE subscription_id = $sub AND occurrence = $occurrence";
        command.Parameters.AddWithValue("$sub", subscriptionId);
        command.Parameters.AddWithValue("$occurrence", occurrence);
        return (await ReadRunsAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<DigestRun?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RunColumns + " WHERE id = $id";
        command.Parameters.AddWithValue("$id", runId);
        return (await ReadRunsAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<DigestRun>> ListUnfinishedRunsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RunColumns + " WHERE state = 'claimed' ORDER BY id";
        return await ReadRunsAsync(command, cancellationToken);
    }

    public async Task<DigestRun> SavePlanAsync(long runId, string plan, CancellationToken cancellationToken)
    {
        await using (var connection = await library.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE digest_runs SET plan = $plan WHERE id = $id AND plan IS NULL";
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$plan", plan);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await GetRunAsync(runId, cancellationToken))!;
    }

    public async Task RecordPartAsync(long runId, int partIndex, string messageId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT message_ids FROM digest_runs WHERE id = $id";
        read.Parameters.AddWithValue("$id", runId);
        var ids = JsonSerializer.Deserialize<List<string?>>((string)(await read.ExecuteScalarAsync(cancellationToken))!) ?? [];
        while (ids.Count <= partIndex)
        {
            ids.Add(null);
        }

        ids[partIndex] = messageId;
        await using var write = connection.CreateCommand();
        write.Transaction = transaction;
        write.CommandText = "UPDATE digest_runs SET message_ids = $ids, lease_until = $lease WHERE id = $id";
        write.Parameters.AddWithValue("$id", runId);
        write.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        write.Parameters.AddWithValue("$lease", LibraryStore.FormatInstant(leaseUntil));
        await write.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompleteRunAsync(DigestRun run, string channelId, IReadOnlyList<string> paperIds, long highWater, string result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(paperIds);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var done = connection.CreateCommand())
        {
            done.Transaction = transaction;
            done.CommandText = """
                UPDATE digest_runs SET state = 'done', finished_at = $now, high_water = $hw WHERE id = $id;
                UPDATE digest_subscriptions SET high_water = max(coalesce(high_water, 0), $hw), last_result = $result, last_run_at = $now
                WHERE id = $sub;
                """;
            done.Parameters.AddWithValue("$id", run.Id);
            done.Parameters.AddWithValue("$sub", run.SubscriptionId);
            done.Parameters.AddWithValue("$hw", highWater);
            done.Parameters.AddWithValue("$result", result);
            done.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
            await done.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var posted = connection.CreateCommand())
        {
            posted.Transaction = transaction;
            posted.CommandText = """
                INSERT INTO digest_posted (channel_id, paper_id, run_id, posted_at) VALUES ($channel, $paper, $run, $now)
                ON CONFLICT (channel_id, paper_id) DO NOTHING
                """;
            posted.Parameters.AddWithValue("$channel", channelId);
            var paper = posted.Parameters.Add("$paper", SqliteType.Text);
            posted.Parameters.AddWithValue("$run", run.Id);
            posted.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
            foreach (var id in paperIds)
            {
                paper.Value = id;
                await posted.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task EndRunAsync(long runId, string state, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE digest_runs SET state = $state, error = $reason, finished_at = $now WHERE id = $id AND state = 'claimed'";
        command.Parameters.AddWithValue("$id", runId);
        command.Parameters.AddWithValue("$state", state);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordSkippedAsync(long subscriptionId, string occurrence, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO digest_runs (subscription_id, occurrence, state, claimed_by, lease_until, created_at, finished_at, error)
            VALUES ($sub, $occurrence, 'skipped', '', $now, $now, $now, $reason)
            ON CONFLICT (subscription_id, occurrence) DO NOTHING
            """;
        command.Parameters.AddWithValue("$sub", subscriptionId);
        command.Parameters.AddWithValue("$occurrence", occurrence);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordVoteAsync(string channelId, string paperId, string userId, int vote, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO digest_votes (channel_id, paper_id, user_id, vote, voted_at) VALUES ($channel, $paper, $user, $vote, $now)
            ON CONFLICT (channel_id, paper_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
            """;
        command.Parameters.AddWithValue("$channel", channelId);
        command.Parameters.AddWithValue("$paper", paperId);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$vote", Math.Sign(vote));
        command.Parameters.AddWithValue("$now", LibraryStore.FormatInstant(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DigestVote>> GetVotesAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT paper_id, sum(vote) FROM digest_votes WHERE channel_id = $channel GROUP BY paper_id HAVING sum(vote) <> 0 ORDER BY paper_id";
        command.Parameters.AddWithValue("$channel", channelId);
        var votes = new List<DigestVote>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            votes.Add(new DigestVote(reader.GetString(0), reader.GetInt32(1)));
        }

        return votes;
    }

    private static async Task<List<Subscription>> ReadSubscriptionsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<Subscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Subscription(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
                reader.GetString(5),
                reader.GetString(6),
                reader.GetInt32(7),
                reader.GetDouble(8),
                reader.IsDBNull(9) ? null : reader.GetInt64(9),
                LibraryStore.ParseInstant(reader.GetString(10)),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : LibraryStore.ParseInstant(reader.GetString(13))));
        }

        return rows;
    }

    private static async Task<List<DigestRun>> ReadRunsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<DigestRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DigestRun(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                LibraryStore.ParseInstant(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                [.. (JsonSerializer.Deserialize<List<string?>>(reader.GetString(7)) ?? []).Select(id => id ?? "")],
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return rows;
    }
}
