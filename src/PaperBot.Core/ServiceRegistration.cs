using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Feeds;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Usage;

namespace PaperBot.Core;

/// <summary>Registers the paper library, ingestion and search.</summary>
public static class ServiceRegistration
{
    /// <summary>
    /// Adds the feeds (<c>Feeds</c> section): cursors, one resilient HttpClient per source kind, the fetcher,
    /// and the background fetching, which runs only when the host runs (bot mode).
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotFeeds(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<FeedOptions>, FeedOptionsValidator>();
        services.AddFeedHttpClients();
        services.AddSingleton<IFeedCursorStore, SqliteFeedCursorStore>();
        services.AddSingleton<IFeedLease, SqliteFeedLease>();
        services.AddSingleton<ArxivRequestGate>();
        services.AddSingleton<FeedFetcher>();
        services.AddHostedService<FeedFetchService>();
        return builder;
    }

    /// <summary>
    /// Adds digests (<c>Digest</c> section): subscriptions, composition, the exactly-once runner and the
    /// scheduler (runs only when the host runs, and only when an <see cref="IDigestPoster"/> is registered —
    /// the Discord layer adds one). A model-backed <see cref="IDigestJudge"/> registered by the AI layer wins
    /// over the similarity-only default.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotDigests(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DigestOptions>().BindConfiguration(DigestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SqliteDigestStore>();
        services.AddSingleton<IDigestStore>(sp => sp.GetRequiredService<SqliteDigestStore>());
        services.AddSingleton<IDigestPaperSource>(sp => sp.GetRequiredService<SqliteDigestStore>());
        services.TryAddSingleton<IDigestJudge, SimilarityOnlyJudge>();
        services.AddSingleton<DigestComposer>();
        services.AddSingleton<DigestSubscriptions>();
        services.AddSingleton<DigestRunner>();
        services.AddSingleton<DigestScheduler>();
        return builder;
    }

    /// <summary>
    /// Adds the library (<c>Library</c> section: the SQLite stores behind <see cref="IPaperStore"/>, <see cref="IPassageStore"/>,
    /// <see cref="ILexicalIndex"/> and <see cref="ISummaryCache"/>), ingestion, the local embedding model
    /// (<c>Embeddings</c> section; another <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> registered
    /// before this call wins) and hybrid search (<c>Search</c> section).
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotCore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LibraryOptions>().BindConfiguration(LibraryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.AddSingleton<LibraryStore>();
        services.AddSingleton<IPaperStore, SqlitePaperStore>();
        services.AddSingleton<IPassageStore, SqlitePassageStore>();
        services.AddSingleton<ILexicalIndex, SqliteLexicalIndex>();
        services.AddSingleton<ISummaryCache, SqliteSummaryCache>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>, LocalEmbeddingGenerator>();
        services.AddSingleton<PassageEmbedder>();
        services.AddSingleton<HybridSearch>();
        services.AddSingleton<PaperIngestor>();
        services.AddSingleton<LibrarySeeder>();
        services.AddHealthChecks().AddCheck<LibraryHealthCheck>("library");
        services.AddOptions<ArxivOptions>().BindConfiguration(ArxivOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PaperAdder>();
        services.AddSingleton<IAnswerStore, SqliteAnswerStore>();
        services.AddSingleton<IConversationStore, SqliteConversationStore>();
        services.AddSingleton<IUsageStore, SqliteUsageStore>();
        builder.AddPaperBotFeeds();
        builder.AddPaperBotDigests();
        return builder;
    }
}
