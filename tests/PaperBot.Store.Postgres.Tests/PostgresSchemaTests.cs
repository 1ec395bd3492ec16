using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PaperBot.Core;

namespace PaperBot.Store.Postgres.Tests;

public sealed class PostgresSchemaTests
{
    [PostgresFact]
    public async Task MigrateAsync_FourProcessesStartingAtOnce_ApplyTheSchemaOnce()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var sources = Enumerable.Range(0, 4).Select(_ => database.CreateDataSource()).ToList();
        try
        {
            await Task.WhenAll(sources.Select(s => Task.Run(() => PostgresSchema.MigrateAsync(s, NullLogger.Instance, CancellationToken.None))));

            await using var connection = await sources[0].OpenConnectionAsync();
            Assert.Equal(PostgresSchema.CurrentVersion, await PostgresSchema.ReadVersionAsync(connection, CancellationToken.None));
            await using var rows = new NpgsqlCommand("SELECT count(*) FROM paperbot_schema", connection);
            Assert.Equal(1L, await rows.ExecuteScalarAsync());
            await using var tables = new NpgsqlCommand(
                "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('papers', 'passages', 'summaries', 'meta', 'paper_changes')", connection);
            Assert.Equal(5L, await tables.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task MigrateAsync_DatabaseNewerThanThisBuild_RefusesWithAClearMessage()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var source = database.CreateDataSource();
        await PostgresSchema.MigrateAsync(source, NullLogger.Instance, CancellationToken.None);
        await using (var bump = source.CreateCommand($"UPDATE paperbot_schema SET version = {PostgresSchema.CurrentVersion + 1}"))
        {
            await bump.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<UserFacingException>(() => PostgresSchema.MigrateAsync(source, NullLogger.Instance, CancellationToken.None));
        Assert.Contains($"has schema version {PostgresSchema.CurrentVersion + 1}, newer than this PaperBot understands", error.Message);

        // The lock was released: another migration attempt is answered, not blocked.
        await Assert.ThrowsAsync<UserFacingException>(() => PostgresSchema.MigrateAsync(source, NullLogger.Instance, CancellationToken.None));
    }

    [PostgresFact]
    public async Task OpenAsync_WrongPassword_NamesTheUserButNeverThePassword()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = "not-the-password-3141" };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<UserFacingException>(() => PostgresConnections.OpenAsync(source, CancellationToken.None));
        Assert.Contains($"refused the password for user '{builder.Username}'", error.Message);
        Assert.DoesNotContain("3141", error.Message);
    }

    [PostgresFact]
    public async Task OpenAsync_MissingDatabase_SaysWhichAndHowToCreateIt()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "paperbot_does_not_exist" };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<UserFacingException>(() => PostgresConnections.OpenAsync(source, CancellationToken.None));
        Assert.Contains("has no database 'paperbot_does_not_exist'", error.Message);
    }

    [Fact]
    public async Task OpenAsync_NothingListening_SaysTheServerIsUnreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var source = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=paperbot;Password=x;Timeout=5");

        var error = await Assert.ThrowsAsync<UserFacingException>(() => PostgresConnections.OpenAsync(source, CancellationToken.None));
        Assert.StartsWith($"Cannot reach PostgreSQL at 127.0.0.1:{port}:", error.Message);
    }
}
