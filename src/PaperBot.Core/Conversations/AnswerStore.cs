using System.Text.Json;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Assistant;
using PaperBot.Core.Library;

namespace PaperBot.Core.Conversations;

/// <summary>An answer as shown in Discord, kept so that its buttons work later and in any process.</summary>
/// <param name="Id">Assigned by the store; carried in the buttons' custom ids.</param>
public sealed record StoredAnswer(
    long Id,
    string? GuildId,
    string? ChannelId,
    string? UserId,
    string Question,
    string Text,
    AnswerMode Mode,
    IReadOnlyList<Citation> Citations,
    DateTimeOffset CreatedAt);

/// <summary>The answers behind Discord buttons. One implementation per database (SQLite today).</summary>
public interface IAnswerStore
{
    /// <summary>Stores an answer and returns its id.</summary>
    Task<long> SaveAsync(StoredAnswer answer, CancellationToken cancellationToken = default);

    /// <summary>The answer with this id, or null when it was pruned (or never existed).</summary>
    Task<StoredAnswer?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Removes answers created before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

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
