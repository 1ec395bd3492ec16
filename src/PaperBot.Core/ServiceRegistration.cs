using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PaperBot.Core.Conversations;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Core.Usage;

namespace PaperBot.Core;

/// <summary>Registers the paper library, ingestion and search.</summary>
public static class ServiceRegistration
{
    /// <summary>
    /// Adds the library store (<c>Library</c> section), ingestion, the local embedding model
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
        return builder;
    }
}
