using Npgsql;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;

namespace PaperBot.Store.Postgres;

/// <summary>The PostgreSQL <see cref="IConversationStore"/>: a thread's turns, whichever process answered them.</summary>
internal sealed class PostgresConversationStore(PostgresLibrary library) : IConversationStore
{
    public async Task StartAsync(Conversation conversation, ConversationTurn firstTurn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(firstTurn);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO conversations (thread_id, guild_id, channel_id, started_by, created_at, last_active_at)
            VALUES (@thread, @guild, @channel, @user, @at, @at)
            ON CONFLICT (thread_id) DO NOTHING
            """, connection, transaction))
        {
            insert.Text("thread", conversation.ThreadId).Text("guild", conversation.GuildId).Text("channel", conversation.ChannelId)
                .Text("user", conversation.StartedBy).Instant("at", conversation.CreatedAt);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.CommitAsync(cancellationToken);
                return;
            }
        }

        await InsertTurnAsync(connection, transaction, conversation.ThreadId, firstTurn, conversation.CreatedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Conversation?> GetAsync(string threadId, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT thread_id, guild_id, channel_id, started_by, created_at, last_active_at, hint_sent FROM conversations WHERE thread_id = @thread", connection);
        command.Text("thread", threadId);
        return (await command.ReadAllAsync(Read, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ConversationTurn>> RecentTurnsAsync(string threadId, int maxTurns, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT question, answer FROM conversation_turns WHERE thread_id = @thread ORDER BY id DESC LIMIT @n", connection);
        command.Text("thread", threadId).Int32("n", Math.Max(0, maxTurns));
        var turns = await command.ReadAllAsync(r => new ConversationTurn(r.GetString(0), r.GetString(1)), cancellationToken);
        turns.Reverse();
        return turns;
    }

    public async Task AddTurnAsync(string threadId, ConversationTurn turn, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertTurnAsync(connection, transaction, threadId, turn, at, cancellationToken);
        await using (var touch = new NpgsqlCommand("UPDATE conversations SET last_active_at = @at WHERE thread_id = @thread", connection, transaction))
        {
            touch.Text("thread", threadId).Instant("at", at);
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> TryMarkHintSentAsync(string threadId, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE conversations SET hint_sent = true WHERE thread_id = @thread AND NOT hint_sent", connection);
        command.Text("thread", threadId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = 0;
        foreach (var sql in new[]
        {
            "DELETE FROM conversation_turns WHERE created_at < @before",
            "DELETE FROM conversations WHERE last_active_at < @before",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Instant("before", before);
            removed += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    private static async Task InsertTurnAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string threadId, ConversationTurn turn, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO conversation_turns (thread_id, question, answer, created_at) VALUES (@thread, @question, @answer, @at)", connection, transaction);
        command.Text("thread", threadId).Text("question", turn.Question).Text("answer", turn.Answer).Instant("at", at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Conversation Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetNullableString(1),
        reader.GetString(2),
        reader.GetNullableString(3),
        reader.GetInstant(4),
        reader.GetInstant(5),
        reader.GetBoolean(6));
}
