namespace PaperBot.Discord.Gateway;

/// <summary>What to do after a gateway connection ended.</summary>
internal enum ReconnectAction
{
    /// <summary>Reconnect to <c>resume_gateway_url</c> and send Resume.</summary>
    Resume,

    /// <summary>Drop the session; reconnect to the discovery URL and Identify.</summary>
    Identify,

    /// <summary>Do not reconnect (bad token, invalid shard or intents, API version): a human must fix the configuration.</summary>
    Fatal,

    /// <summary>We are shutting down.</summary>
    Stop,
}

/// <summary>Gateway close codes (DOCS topics/opcodes-and-status-codes.mdx) and the handling PaperBot gives them.</summary>
internal static class GatewayCloseCodes
{
    /// <summary>Sent by us to end a connection but keep the session resumable (any code but 1000/1001).</summary>
    public const int ResumableClose = 4900;

    /// <summary>Sent by us when the previous heartbeat was never acknowledged (discord.js uses the same custom code).</summary>
    public const int Zombie = 4200;

    public static ReconnectAction Classify(int? code) => code switch
    {
        4004 or 4010 or 4011 or 4012 or 4013 or 4014 => ReconnectAction.Fatal,
        4003 or 4005 or 4007 or 4008 or 4009 => ReconnectAction.Identify,
        1000 or 1001 => ReconnectAction.Identify,
        _ => ReconnectAction.Resume,
    };

    /// <summary>The reason for a close, naming the privileged intent behind a 4014.</summary>
    public static string Describe(int? code, int intents) => code == 4014 && (intents & DiscordOptions.MessageContentIntentBit) != 0
        ? "disallowed intents: MESSAGE_CONTENT is privileged. Enable Bot → Message Content Intent in the developer portal, or set Discord:MessageContentIntent=false (conversations then continue by mentioning the bot or with the Follow up button)"
        : Describe(code);

    public static string Describe(int? code) => code switch
    {
        null => "connection dropped without a close frame",
        4000 => "unknown error",
        4001 => "unknown opcode sent",
        4002 => "decode error",
        4003 => "not authenticated",
        4004 => "authentication failed: the bot token is invalid (check Discord__Token)",
        4005 => "already authenticated",
        4007 => "invalid sequence on resume",
        4008 => "gateway rate limited",
        4009 => "session timed out",
        4010 => "invalid shard (check Discord:ShardId / Discord:ShardCount)",
        4011 => "sharding required (set Discord:ShardCount to auto or a larger number)",
        4012 => "invalid API version",
        4013 => "invalid intents",
        4014 => "disallowed intents: a privileged intent is not enabled for this application in the developer portal",
        _ => "closed",
    };
}
