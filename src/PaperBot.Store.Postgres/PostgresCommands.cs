using Npgsql;
using NpgsqlTypes;

namespace PaperBot.Store.Postgres;

/// <summary>Typed parameters and nullable reads, so each store's SQL reads as SQL and nulls keep their type.</summary>
internal static class PostgresCommands
{
    public static NpgsqlCommand Text(this NpgsqlCommand command, string name, string? value) => command.With(name, NpgsqlDbType.Text, value);

    public static NpgsqlCommand Int32(this NpgsqlCommand command, string name, int value) => command.With(name, NpgsqlDbType.Integer, value);

    public static NpgsqlCommand Int64(this NpgsqlCommand command, string name, long? value) => command.With(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlCommand Double(this NpgsqlCommand command, string name, double value) => command.With(name, NpgsqlDbType.Double, value);

    /// <summary>A timestamptz; Npgsql takes only UTC offsets for it.</summary>
    public static NpgsqlCommand Instant(this NpgsqlCommand command, string name, DateTimeOffset? value) =>
        command.With(name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    public static NpgsqlCommand TextArray(this NpgsqlCommand command, string name, IReadOnlyList<string?> value) =>
        command.With(name, NpgsqlDbType.Array | NpgsqlDbType.Text, value.ToArray());

    public static NpgsqlCommand Json(this NpgsqlCommand command, string name, string json) => command.With(name, NpgsqlDbType.Jsonb, json);

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetInstant(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? GetNullableInstant(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Runs the query and maps each row with <paramref name="map"/>.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static NpgsqlCommand With(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }
}
