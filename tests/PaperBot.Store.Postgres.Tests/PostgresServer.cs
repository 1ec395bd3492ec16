using Npgsql;

namespace PaperBot.Store.Postgres.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the connection string in <c>PAPERBOT_TEST_POSTGRES</c> (set by
/// .ci/run, which starts a throwaway server). Locally without it the tests skip with the reason; under
/// <c>CI=true</c> they run and fail, so a missing server can never pass CI.
/// </summary>
internal static class PostgresServer
{
    public const string Variable = "PAPERBOT_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static string SkipReason => $"No PostgreSQL server: set {Variable} (bash .ci/run starts one).";

    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A new, empty database for one test; dropped when disposed.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var admin = ConnectionString ?? throw new InvalidOperationException(
            $"{Variable} is not set: CI must start PostgreSQL (see .ci/postgres.sh) before the tests.");
        var name = "paperbot_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var adminSource = NpgsqlDataSource.Create(admin))
        await using (var create = adminSource.CreateCommand($"CREATE DATABASE {name}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false };
        return new TestDatabase(admin, name, builder.ConnectionString);
    }
}

/// <summary>A throwaway database.</summary>
internal sealed class TestDatabase(string adminConnectionString, string name, string connectionString) : IAsyncDisposable
{
    public string Name => name;

    public string ConnectionString => connectionString;

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(connectionString);

    public async ValueTask DisposeAsync()
    {
        await using var adminSource = NpgsqlDataSource.Create(adminConnectionString);
        await using var drop = adminSource.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A test that needs the PostgreSQL server; skipped locally when none is configured, never under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.ConnectionString is null && !PostgresServer.Required)
        {
            Skip = PostgresServer.SkipReason;
        }
    }
}
