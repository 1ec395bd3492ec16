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
    /// when the provider is <c>postgres</c>, replaces the SQLite stores with the PostgreSQL ones: papers, passages
    /// and vectors (and the papers digests read), the summary cache, the lexical index (over the <c>passages</c>
    /// table), digests, feed cursors, the feed lease, answers, conversations and usage. Call it after
    /// <c>AddPaperBotCore</c>. Derived search index files stay local to each process, in the folder of <c>Library:Path</c>.
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
        // `paperbot library copy --to postgres` runs before the provider is switched.
        services.AddSingleton<PostgresLibraryCopy>();
        if (!StoreProviderOptions.IsPostgres(builder.Configuration[$"{StoreProviderOptions.SectionName}:Provider"]))
        {
            return builder;
        }

        services.AddSingleton(sp => new PostgresLibrary(
            sp.GetRequiredService<IOptions<StoreProviderOptions>>().Value.ConnectionString!,
            sp.GetRequiredService<ILogger<PostgresLibrary>>()));
        services.AddSingleton<PostgresPaperStore>();
        services.Replace(ServiceDescriptor.Singleton<IPaperStore>(sp => sp.GetRequiredService<PostgresPaperStore>()));
        services.Replace(ServiceDescriptor.Singleton<IDigestPaperSource>(sp => sp.GetRequiredService<PostgresPaperStore>()));
        services.Replace(ServiceDescriptor.Singleton<IPassageStore>(sp => new PostgresPassageStore(
            sp.GetRequiredService<PostgresLibrary>(),
            sp.GetRequiredService<TimeProvider>(),
            PostgresPassageStore.IndexFilePrefixFor(
                sp.GetRequiredService<IOptions<LibraryOptions>>().Value.ResolvePath(),
                sp.GetRequiredService<IOptions<StoreProviderOptions>>().Value.ConnectionString!))));
        services.Replace(ServiceDescriptor.Singleton<ISummaryCache, PostgresSummaryCache>());
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
