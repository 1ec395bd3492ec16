namespace PaperBot.Discord;

/// <summary>What the host needs to know about the running bot.</summary>
public interface IDiscordBotStatus
{
    /// <summary>Why the bot stopped for good (bad token, disallowed intents, invalid shard…), or null while it is fine.</summary>
    string? FatalError { get; }

    /// <summary>When Discord last acknowledged a gateway heartbeat.</summary>
    DateTimeOffset? LastHeartbeatAck { get; }
}
