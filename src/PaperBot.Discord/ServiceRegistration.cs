using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PaperBot.Discord.Answers;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Commands.LibraryCommands;
using PaperBot.Discord.Conversations;
using PaperBot.Discord.FairUse;
using PaperBot.Core.Digests;
using PaperBot.Discord.Digests;
using PaperBot.Discord.Gateway;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord;

/// <summary>Registers the Discord bot.</summary>
public static class ServiceRegistration
{
    /// <summary>
    /// Adds the Discord REST client (with rate limits), command registration, interaction routing to the
    /// Core ports (<see cref="PaperBot.Core.Assistant.IPaperAssistant"/>, library search) and the transport
    /// chosen by <c>Discord:Transport</c>: the gateway (default) or the signed HTTP endpoint.
    /// The bot's hosted services are added only when <c>Discord:Token</c> is set (from the environment or
    /// user secrets); options are validated at start.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotDiscord(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DiscordOptions>()
            .BindConfiguration(DiscordOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        // The factory's request logging would write interaction tokens (they are in the URL); we log routes ourselves.
        services.AddHttpClient(DiscordRestClient.HttpClientName).RemoveAllLoggers();
        services.AddSingleton<RestRateLimiter>();
        services.AddSingleton<DiscordRestClient>();
        services.AddSingleton<GatewayDiscovery>();
        services.AddSingleton<IdentifyThrottler>();
        services.AddSingleton<GatewayStatus>();
        services.AddHealthChecks().AddCheck<GatewayHealthCheck>("gateway");
        services.AddSingleton<IDiscordBotStatus>(sp => sp.GetRequiredService<GatewayStatus>());
        services.AddSingleton<GatewayJitter>();
        services.AddSingleton<CommandRegistrar>();
        services.TryAddSingleton<IPaperDirectory, LibraryPaperDirectory>();
        services.AddOptions<LimitsOptions>()
            .BindConfiguration(LimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<ConversationOptions>()
            .BindConfiguration(ConversationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<FairUseGate>();
        services.AddSingleton<AnswerFlow>();
        services.AddSingleton<ThreadStarter>();
        services.AddSingleton<IComponentHandler, AnswerButtons>();
        services.AddSingleton<IGatewayMessageHandler, ThreadMessageHandler>();
        services.AddSingleton<ConversationPruner>();
        services.AddSingleton<PaperCommands>();
        services.TryAddSingleton<IPaperLibraryEditor, LibraryPaperEditor>();
        services.AddHttpClient(PaperLibraryCommands.AttachmentClient).RemoveAllLoggers();
        services.AddSingleton<ISlashCommandModule, PaperLibraryCommands>();
        services.AddSingleton<ISlashCommandModule>(sp => sp.GetRequiredService<PaperCommands>());
        // Digests (when the Core digests are registered, i.e. AddPaperBotCore ran first): /digest, its vote
        // buttons, and posting through the REST API (also used by 'paperbot digest run').
        var digests = services.Any(d => d.ServiceType == typeof(IDigestStore));
        if (digests)
        {
            services.AddSingleton<IDigestPoster, DiscordDigestPoster>();
            services.AddSingleton<DigestCommands>();
            services.AddSingleton<ISlashCommandModule>(sp => sp.GetRequiredService<DigestCommands>());
            services.AddSingleton<IComponentHandler, DigestVoteHandler>();
        }

        services.AddSingleton<InteractionResponder>();
        services.AddSingleton<InteractionDispatcher>();
        services.AddSingleton<InteractionQueue>();
        services.AddSingleton<DiscordBotService>();

        // Without a token the host runs CLI verbs or the console: nothing of the bot starts.
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{DiscordOptions.SectionName}:Token"]))
        {
            return builder;
        }

        // Registered first so it stops last: the transports stop receiving, then the queue drains.
        services.AddHostedService(sp => sp.GetRequiredService<InteractionQueue>());
        services.AddHostedService(sp => sp.GetRequiredService<DiscordBotService>());
        services.AddHostedService(sp => sp.GetRequiredService<ConversationPruner>());
        if (digests)
        {
            services.AddHostedService(sp => sp.GetRequiredService<DigestScheduler>());
        }

        if (string.Equals(builder.Configuration[$"{DiscordOptions.SectionName}:Transport"], "http", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<HttpInteractionEndpoint>();
            services.AddHostedService(sp => sp.GetRequiredService<HttpInteractionEndpoint>());
        }

        return builder;
    }
}
