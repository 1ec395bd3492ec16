using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Feeds;
using PaperBot.Core.Library;
using PaperBot.Core.Usage;

namespace PaperBot.Store.Postgres;

/// <summary>Selects the database of the shared stores (<c>Library:Provider</c>).</summary>
public static class ServiceRegistration
{
    /// <summary>
    /// Validates <c>Library:Provider</c> (and, for <c>postgres</c>, <c>ConnectionStrings:Library</c>) at start and,
    /// when the provider is <c>postgres</c>, replaces the SQLite digest, feed cursor, feed lease, answer,
    /// conversation and usage stores and the lexical index (over the <c>passages</c> table) with the PostgreSQL
    /// ones. Call it after <c>AddPaperBotCore</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotPostgresStores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<StoreProviderOptions>()
            .BindConfiguration(StoreProviderOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) => options.ConnectionString = configuration.GetConnectionString("Library"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreProviderOptions>, StoreProviderOptionsValidator>();
        if (!StoreProviderOptions.IsPostgres(builder.Configuration[$"{StoreProviderOptions.SectionName}:Provider"]))
        {
            return builder;
        }

        services.AddSingleton(sp => new PostgresLibrary(
            sp.GetRequiredService<IOptions<StoreProviderOptions>>().Value.ConnectionString!,
            sp.GetRequiredService<ILogger<PostgresLibrary>>()));
        services.Replace(ServiceDescriptor.Singleton<IDigestStore, PostgresDigestStore>());
        services.Replace(ServiceDescriptor.Singleton<IFeedCursorStore, PostgresFeedCursorStore>());
        services.Replace(ServiceDescriptor.Singleton<IFeedLease, PostgresFeedLease>());
        services.Replace(ServiceDescriptor.Singleton<IAnswerStore, PostgresAnswerStore>());
        services.Replace(ServiceDescriptor.Singleton<IConversationStore, PostgresConversationStore>());
        services.Replace(ServiceDescriptor.Singleton<IUsageStore, PostgresUsageStore>());
        services.Replace(ServiceDescriptor.Singleton<ILexicalIndex, PostgresLexicalIndex>());
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }

    /// <summary>
    /// With the <c>postgres</c> provider, connects and brings the schema up to date, so that an unreachable server,
    /// a refused login or a schema newer than this build stops the start with one line; otherwise does nothing.
    /// </summary>
    /// <exception cref="Core.UserFacingException">The database cannot be used.</exception>
    public static async Task EnsurePostgresStoresReadyAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<PostgresLibrary>() is { } library)
        {
            await library.EnsureMigratedAsync(cancellationToken);
        }
    }
}
