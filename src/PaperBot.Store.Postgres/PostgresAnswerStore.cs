using System.Text.Json;
using Npgsql;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;

namespace PaperBot.Store.Postgres;

/// <summary>The PostgreSQL <see cref="IAnswerStore"/>: a button pressed on any process finds the answer.</summary>
internal sealed class PostgresAnswerStore(PostgresLibrary library) : IAnswerStore
{
    // The same JSON as the SQLite store writes, so a copied library reads back alike.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<long> SaveAsync(StoredAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO answers (guild_id, channel_id, user_id, question, answer, mode, citations, created_at)
            VALUES (@guild, @channel, @user, @question, @answer, @mode, @citations, @at)
            RETURNING id
            """, connection);
        command.Text("guild", answer.GuildId).Text("channel", answer.ChannelId).Text("user", answer.UserId)
            .Text("question", answer.Question).Text("answer", answer.Text).Text("mode", answer.Mode.ToString())
            .Json("citations", JsonSerializer.Serialize(answer.Citations, Json)).Instant("at", answer.CreatedAt);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<StoredAnswer?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, guild_id, channel_id, user_id, question, answer, mode, citations::text, created_at FROM answers WHERE id = @id", connection);
        command.Int64("id", id);
        return (await command.ReadAllAsync(Read, cancellationToken)).FirstOrDefault();
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM answers WHERE created_at < @before", connection);
        command.Instant("before", before);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static StoredAnswer Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetNullableString(1),
        reader.GetNullableString(2),
        reader.GetNullableString(3),
        reader.GetString(4),
        reader.GetString(5),
        Enum.TryParse<AnswerMode>(reader.GetString(6), out var mode) ? mode : AnswerMode.Extractive,
        JsonSerializer.Deserialize<List<Citation>>(reader.GetString(7), Json) ?? [],
        reader.GetInstant(8));
}
