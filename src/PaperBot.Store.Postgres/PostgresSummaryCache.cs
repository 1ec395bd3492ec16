using Microsoft.Extensions.Logging;
using Npgsql;
using PaperBot.Core.Library;

namespace PaperBot.Store.Postgres;

/// <summary>The summary cache in the PostgreSQL library (<c>summaries</c>; rows go with their paper).</summary>
internal sealed class PostgresSummaryCache(PostgresLibrary library, TimeProvider time, ILogger<PostgresSummaryCache> logger) : ISummaryCache
{
    public async Task<string?> GetAsync(SummaryCacheKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT text FROM summaries WHERE paper_id = @paper AND level = @level AND prompt_version = @version AND model = @model", connection);
        BindKey(command, key);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SetAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO summaries (paper_id, level, prompt_version, model, text, created_at)
            VALUES (@paper, @level, @version, @model, @text, @now)
            ON CONFLICT (paper_id, level, prompt_version, model) DO UPDATE SET text = excluded.text, created_at = excluded.created_at
            """, connection);
        BindKey(command, key);
        command.Text("text", text).Instant("now", time.GetUtcNow());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            logger.LogDebug(ex, "Summary for {PaperId} not cached: the paper is gone", key.PaperId);
        }
    }

    private static void BindKey(NpgsqlCommand command, SummaryCacheKey key) =>
        command.Text("paper", key.PaperId).Text("level", key.Level).Text("version", key.PromptVersion).Text("model", key.Model);
}
