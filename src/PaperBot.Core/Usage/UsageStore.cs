using System.Globalization;
using PaperBot.Core.Library;

namespace PaperBot.Core.Usage;

/// <summary>Model tokens spent per scope (a server) and UTC day, shared by every process on the library. One implementation per database.</summary>
public interface IUsageStore
{
    /// <summary>Adds tokens to the day's count (an upsert, safe across processes) and returns the new total.</summary>
    Task<long> AddAsync(string scope, DateOnly day, long tokens, CancellationToken cancellationToken = default);

    /// <summary>Tokens spent on that day.</summary>
    Task<long> GetAsync(string scope, DateOnly day, CancellationToken cancellationToken = default);
}

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
