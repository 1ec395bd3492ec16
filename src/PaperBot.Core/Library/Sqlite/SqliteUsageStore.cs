using System.Globalization;
using PaperBot.Core.Library;
using PaperBot.Core.Usage;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>The SQLite <see cref="IUsageStore"/> in the library file.</summary>
internal sealed class SqliteUsageStore(LibraryStore library) : IUsageStore
{
    public async Task<long> AddAsync(string scope, DateOnly day, long tokens, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO usage_daily (scope, day, tokens) VALUES ($s, $d, $n)
            ON CONFLICT (scope, day) DO UPDATE SET tokens = tokens + excluded.tokens
            RETURNING tokens
            """;
        command.Parameters.AddWithValue("$s", scope);
        command.Parameters.AddWithValue("$d", Day(day));
        command.Parameters.AddWithValue("$n", Math.Max(0, tokens));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> GetAsync(string scope, DateOnly day, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tokens FROM usage_daily WHERE scope = $s AND day = $d";
        command.Parameters.AddWithValue("$s", scope);
        command.Parameters.AddWithValue("$d", Day(day));
        return await command.ExecuteScalarAsync(cancellationToken) is long tokens ? tokens : 0;
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
