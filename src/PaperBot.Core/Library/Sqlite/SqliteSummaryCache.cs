using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The summary cache in the SQLite library (<c>summaries</c>; rows go with their paper).</summary>
public sealed class SqliteSummaryCache(LibraryStore library, ILogger<SqliteSummaryCache> logger) : ISummaryCache
{
    public async Task<string?> GetAsync(SummaryCacheKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT text FROM summaries WHERE paper_id = $p AND level = $l AND prompt_version = $v AND model = $m";
        SummaryRows.BindKey(command, key);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SetAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO summaries (paper_id, level, prompt_version, model, text, created_at)
            VALUES ($p, $l, $v, $m, $text, $now)
            ON CONFLICT (paper_id, level, prompt_version, model) DO UPDATE SET text = excluded.text, created_at = excluded.created_at
            """;
        SummaryRows.BindKey(command, key);
        command.Parameters.AddWithValue("$text", text);
        command.Parameters.AddWithValue("$now", Instants.Format(library.Time.GetUtcNow()));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT: paper removed meanwhile */)
        {
            logger.LogDebug(ex, "Summary for {PaperId} not cached: the paper is gone", key.PaperId);
        }
    }
}
