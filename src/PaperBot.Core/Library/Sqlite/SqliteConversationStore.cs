using Microsoft.Data.Sqlite;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Library;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite <see cref="IConversationStore"/> in the library file.</summary>
internal sealed class SqliteConversationStore(LibraryStore library) : IConversationStore
{
    public async Task StartAsync(Conversation conversation, ConversationTurn firstTurn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(firstTurn);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO conversations (thread_id, guild_id, channel_id, started_by, created_at, last_active_at)
                VALUES ($th, $g, $c, $u, $t, $t)
                ON CONFLICT (thread_id) DO NOTHING
                """;
            insert.Parameters.AddWithValue("$th", conversation.ThreadId);
            insert.Parameters.AddWithValue("$g", (object?)conversation.GuildId ?? DBNull.Value);
            insert.Parameters.AddWithValue("$c", conversation.ChannelId);
            insert.Parameters.AddWithValue("$u", (object?)conversation.StartedBy ?? DBNull.Value);
            insert.Parameters.AddWithValue("$t", LibraryStore.FormatInstant(conversation.CreatedAt));
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
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT thread_id, guild_id, channel_id, started_by, created_at, last_active_at, hint_sent FROM conversations WHERE thread_id = $th";
        command.Parameters.AddWithValue("$th", threadId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<ConversationTurn>> RecentTurnsAsync(string threadId, int maxTurns, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT question, answer FROM conversation_turns WHERE thread_id = $th ORDER BY id DESC LIMIT $n";
        command.Parameters.AddWithValue("$th", threadId);
        command.Parameters.AddWithValue("$n", Math.Max(0, maxTurns));
        var turns = new List<ConversationTurn>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            turns.Add(new ConversationTurn(reader.GetString(0), reader.GetString(1)));
        }

        turns.Reverse();
        return turns;
    }

    public async Task AddTurnAsync(string threadId, ConversationTurn turn, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await InsertTurnAsync(connection, transaction, threadId, turn, at, cancellationToken);
        await using (var touch = connection.CreateCommand())
        {
            touch.Transaction = transaction;
            touch.CommandText = "UPDATE conversations SET last_active_at = $t WHERE thread_id = $th";
            touch.Parameters.AddWithValue("$th", threadId);
            touch.Parameters.AddWithValue("$t", LibraryStore.FormatInstant(at));
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> TryMarkHintSentAsync(string threadId, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE conversations SET hint_sent = 1 WHERE thread_id = $th AND hint_sent = 0";
        command.Parameters.AddWithValue("$th", threadId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM conversation_turns WHERE created_at < $before;
            DELETE FROM conversations WHERE last_active_at < $before;
            """;
        command.Parameters.AddWithValue("$before", LibraryStore.FormatInstant(before));
        var removed = await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    private static async Task InsertTurnAsync(SqliteConnection connection, SqliteTransaction transaction, string threadId, ConversationTurn turn, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO conversation_turns (thread_id, question, answer, created_at) VALUES ($th, $q, $a, $t)";
        command.Parameters.AddWithValue("$th", threadId);
        command.Parameters.AddWithValue("$q", turn.Question);
        command.Parameters.AddWithValue("$a", turn.Answer);
        command.Parameters.AddWithValue("$t", LibraryStore.FormatInstant(at));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Conversation Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        LibraryStore.ParseInstant(reader.GetString(4)),
        LibraryStore.ParseInstant(reader.GetString(5)),
        reader.GetInt64(6) != 0);
}
