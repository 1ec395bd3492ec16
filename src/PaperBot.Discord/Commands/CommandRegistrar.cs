using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Commands;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Commands;

/// <summary>
/// Registers <see cref="SlashCommandCatalog.All"/> with one bulk-overwrite PUT: to <c>Discord:GuildId</c>
/// when set (instant, for development), globally otherwise. The PUT is skipped when Discord already
/// has the same set, because new commands count against a 200-per-day creation cap.
/// </summary>
internal sealed class CommandRegistrar(DiscordRestClient rest, IOptions<DiscordOptions> options, ILogger<CommandRegistrar> logger)
{
    /// <summary>Returns true when a PUT was sent.</summary>
    public async Task<bool> RegisterAsync(string applicationId, CancellationToken cancellationToken)
    {
        var guildId = string.IsNullOrWhiteSpace(options.Value.GuildId) ? null : options.Value.GuildId;
        var scope = guildId is null ? "global" : $"guild {guildId}";
        JsonNode wanted = CommandDefinitions.Build(SlashCommandCatalog.All);
        var existing = await rest.SendAsync(RestRoute.Commands(HttpMethod.Get, applicationId, guildId), null, cancellationToken);
        if (existing is { } current && CommandDefinitions.Fingerprint(current) == CommandDefinitions.Fingerprint(wanted))
        {
            logger.LogInformation("Slash commands ({Scope}) are up to date; not re-registering", scope);
            return false;
        }

        await rest.SendAsync(RestRoute.Commands(HttpMethod.Put, applicationId, guildId), wanted, cancellationToken);
        logger.LogInformation("Registered {CommandCount} slash commands ({Scope})", SlashCommandCatalog.All.Count, scope);
        return true;
    }
}
