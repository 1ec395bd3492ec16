using System.Text.Json;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Library;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite <see cref="IAnswerStore"/> in the library file.</summary>
internal sealed class SqliteAnswerStore(LibraryStore library) : IAnswerStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<long> SaveAsync(StoredAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO answers (guild_id, channel_id, user_id, question, answer, mode, citations, created_at)
            VALUES ($g, $c, $u, $q, $a, $m, $cit, $t)
            RETURNING id
            """;
        command.Parameters.AddWithValue("$g", (object?)answer.GuildId ?? DBNull.Value);
        command.Parameters.AddWithValue("$c", (object?)answer.ChannelId ?? DBNull.Value);
        command.Parameters.AddWithValue("$u", (object?)answer.UserId ?? DBNull.Value);
        command.Parameters.AddWithValue("$q", answer.Question);
        command.Parameters.AddWithValue("$a", answer.Text);
        command.Parameters.AddWithValue("$m", answer.Mode.ToString());
        command.Parameters.AddWithValue("$cit", JsonSerializer.Serialize(answer.Citations, Json));
        command.Parameters.AddWithValue("$t", LibraryStore.FormatInstant(answer.CreatedAt));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<StoredAnswer?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, guild_id, channel_id, user_id, question, answer, mode, citations, created_at FROM answers WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM answers WHERE created_at < $before";
        command.Parameters.AddWithValue("$before", LibraryStore.FormatInstant(before));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static StoredAnswer Read(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        Enum.TryParse<AnswerMode>(reader.GetString(6), out var mode) ? mode : AnswerMode.Extractive,
        JsonSerializer.Deserialize<List<Citation>>(reader.GetString(7), Json) ?? [],
        LibraryStore.ParseInstant(reader.GetString(8)));
}
