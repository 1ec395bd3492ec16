using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using PaperBot.Core;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Feeds;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Usage;

namespace PaperBot.Store.Postgres.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public void AddPaperBotPostgresStores_ProviderPostgres_ReplacesEverySharedStore()
    {
        using var services = Build(new() { ["Library:Provider"] = "postgres", ["ConnectionStrings:Library"] = "Host=127.0.0.1;Username=paperbot;Password=x;Database=paperbot" });

        Assert.IsType<PostgresDigestStore>(services.GetRequiredService<IDigestStore>());
        Assert.IsType<PostgresFeedCursorStore>(services.GetRequiredService<IFeedCursorStore>());
        Assert.IsType<PostgresFeedLease>(services.GetRequiredService<IFeedLease>());
        Assert.IsType<PostgresAnswerStore>(services.GetRequiredService<IAnswerStore>());
        Assert.IsType<PostgresConversationStore>(services.GetRequiredService<IConversationStore>());
        Assert.IsType<PostgresUsageStore>(services.GetRequiredService<IUsageStore>());
        Assert.Single(services.GetServices<IUsageStore>());
        Assert.IsType<PostgresPaperStore>(services.GetRequiredService<IPaperStore>());
        Assert.IsType<PostgresPassageStore>(services.GetRequiredService<IPassageStore>());
        Assert.IsType<PostgresSummaryCache>(services.GetRequiredService<ISummaryCache>());
        // Digests read the papers from the same database.
        Assert.Same(services.GetRequiredService<IPaperStore>(), services.GetRequiredService<IDigestPaperSource>());
        Assert.StartsWith(Path.GetDirectoryName(services.GetRequiredService<IOptions<LibraryOptions>>().Value.ResolvePath())!, services.GetRequiredService<IPassageStore>().IndexFilePrefix);
        Assert.IsType<PostgresLexicalIndex>(services.GetRequiredService<ILexicalIndex>());
    }

    [Fact]
    public void AddPaperBotPostgresStores_NoProvider_KeepsTheSqliteStores()
    {
        using var services = Build([]);

        Assert.IsType<SqliteDigestStore>(services.GetRequiredService<IDigestStore>());
        Assert.IsType<SqliteFeedLease>(services.GetRequiredService<IFeedLease>());
        Assert.IsType<SqliteUsageStore>(services.GetRequiredService<IUsageStore>());
        Assert.IsType<SqlitePaperStore>(services.GetRequiredService<IPaperStore>());
        Assert.IsType<SqliteLexicalIndex>(services.GetRequiredService<ILexicalIndex>());
        Assert.Null(services.GetService<PostgresLibrary>());
    }

    [Theory]
    [InlineData("oracle", null, "Library:Provider must be sqlite or postgres (got 'oracle').")]
    [InlineData("postgres", null, "Library:Provider is postgres but ConnectionStrings:Library is not set.")]
    [InlineData("postgres", "Host=db;Username=paperbot;Password=hunter2;Colour=blue", "ConnectionStrings:Library is not a valid PostgreSQL connection string:")]
    [InlineData("postgres", "Username=paperbot;Password=hunter2", "ConnectionStrings:Library names no server: add Host=… to it.")]
    public void Validate_BadSettings_OneLineNamingTheKeyAndNeverThePassword(string provider, string? connectionString, string expected)
    {
        using var services = Build(new() { ["Library:Provider"] = provider, ["ConnectionStrings:Library"] = connectionString });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        var message = Assert.Single(error.Failures);
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain("hunter2", message);
        Assert.DoesNotContain('\n', message);
    }

    [PostgresFact]
    public async Task EnsurePostgresStoresReady_SchemaNewerThanThisBuild_RefusesWithOneLine()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        using (var first = Build(new() { ["Library:Provider"] = "postgres", ["ConnectionStrings:Library"] = database.ConnectionString }))
        {
            await first.EnsurePostgresStoresReadyAsync(CancellationToken.None);
        }

        await using (var source = NpgsqlDataSource.Create(database.ConnectionString))
        await using (var bump = source.CreateCommand($"UPDATE paperbot_schema SET version = {PostgresSchema.CurrentVersion + 1}"))
        {
            await bump.ExecuteNonQueryAsync();
        }

        using var services = Build(new() { ["Library:Provider"] = "postgres", ["ConnectionStrings:Library"] = database.ConnectionString });
        var error = await Assert.ThrowsAsync<UserFacingException>(() => services.EnsurePostgresStoresReadyAsync(CancellationToken.None));

        Assert.Contains("newer than this PaperBot understands", error.Message);
    }

    [PostgresFact]
    public async Task HealthCheck_ProviderPostgres_ReportsTheSchemaOfTheDatabase()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        using var services = Build(new() { ["Library:Provider"] = "postgres", ["ConnectionStrings:Library"] = database.ConnectionString });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "postgres");

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.StartsWith($"schema {PostgresSchema.CurrentVersion} in '{database.Name}'", entry.Description);
    }

    [Fact]
    public async Task HealthCheck_PostgresUnreachable_IsUnhealthyWithTheReason()
    {
        using var services = Build(new() { ["Library:Provider"] = "postgres", ["ConnectionStrings:Library"] = "Host=127.0.0.1;Port=1;Username=paperbot;Password=x;Database=paperbot;Timeout=5" });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "postgres");

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("PostgreSQL not usable: Cannot reach PostgreSQL at 127.0.0.1:1:", entry.Description);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration["Library:Path"] = Path.Combine(Path.GetTempPath(), "paperbot-store-tests", Guid.NewGuid().ToString("N"), "library.db");
        builder.AddPaperBotCore();
        builder.AddPaperBotPostgresStores();
        return (ServiceProvider)builder.Build().Services;
    }
}
