using Npgsql;
using NpgsqlTypes;
using PaperBot.Core.Usage;

namespace PaperBot.Store.Postgres;

/// <summary>The PostgreSQL <see cref="IUsageStore"/>: one upsert per addition, so every process counts into the same total.</summary>
internal sealed class PostgresUsageStore(PostgresLibrary library) : IUsageStore
{
    public async Task<long> AddAsync(string scope, DateOnly day, long tokens, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO usage_daily (scope, day, tokens) VALUES (@scope, @day, @tokens)
            ON CONFLICT (scope, day) DO UPDATE SET tokens = usage_daily.tokens + excluded.tokens
            RETURNING tokens
            """, connection);
        command.Text("scope", scope).Int64("tokens", Math.Max(0, tokens));
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", NpgsqlDbType.Date) { TypedValue = day });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> GetAsync(string scope, DateOnly day, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT tokens FROM usage_daily WHERE scope = @scope AND day = @day", connection);
        command.Text("scope", scope);
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", NpgsqlDbType.Date) { TypedValue = day });
        return await command.ExecuteScalarAsync(cancellationToken) is long tokens ? tokens : 0;
    }
}
