using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace PaperBot.Discord;

/// <summary>Discord bot settings. Section <c>Discord</c>; the token comes only from the environment or user secrets.</summary>
public sealed class DiscordOptions : IValidatableObject
{
    public const string SectionName = "Discord";

    /// <summary>The bot token (<c>Discord__Token</c>); without one the bot does not run. Never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>True when a token is configured, so the bot can run.</summary>
    public bool BotEnabled => !string.IsNullOrWhiteSpace(Token);

    /// <summary>The application id; when empty it is read from <c>GET /applications/@me</c> at start.</summary>
    [RegularExpression("^[0-9]{1,20}$", ErrorMessage = "Discord:ApplicationId must be a numeric snowflake.")]
    public string? ApplicationId { get; set; }

    /// <summary>REST base URL including the API version.</summary>
    [Required]
    [Url]
    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10";

    /// <summary>When set, commands are registered to this guild only (instant; for development). Otherwise globally.</summary>
    [RegularExpression("^[0-9]{1,20}$", ErrorMessage = "Discord:GuildId must be a numeric snowflake.")]
    public string? GuildId { get; set; }

    /// <summary>The single shard this process runs; empty runs every shard of <see cref="ShardCount"/>.</summary>
    [Range(0, 65535)]
    public int? ShardId { get; set; }

    /// <summary>Total shard count, or <c>auto</c> for the count <c>GET /gateway/bot</c> recommends.</summary>
    [Required]
    [RegularExpression("^(auto|[1-9][0-9]{0,4})$", ErrorMessage = "Discord:ShardCount must be a positive number or 'auto'.")]
    public string ShardCount { get; set; } = "1";

    /// <summary><c>gateway</c> (default) receives interactions over the WebSocket; <c>http</c> over a signed HTTP endpoint.</summary>
    [Required]
    [RegularExpression("^(gateway|http)$", ErrorMessage = "Discord:Transport must be 'gateway' or 'http'.")]
    public string Transport { get; set; } = "gateway";

    /// <summary>The application's public key (hex) from the developer portal; required for the <c>http</c> transport.</summary>
    [RegularExpression("^[0-9a-fA-F]{64}$", ErrorMessage = "Discord:PublicKey must be 64 hex characters.")]
    public string? PublicKey { get; set; }

    /// <summary>Where the HTTP interactions endpoint listens (<c>http</c> transport); put a TLS proxy in front.</summary>
    [Required]
    [Url]
    public string HttpListenUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>GUILDS: channels and threads; slash commands and buttons need no intent at all.</summary>
    public const int GuildsIntent = 1 << 0;

    /// <summary>GUILD_MESSAGES (not privileged): messages in guild channels and threads; Discord fills their content only when they mention the bot.</summary>
    public const int GuildMessagesIntent = 1 << 9;

    /// <summary>MESSAGE_CONTENT (privileged): the content of every message the bot can see.</summary>
    public const int MessageContentIntentBit = 1 << 15;

    /// <summary>
    /// Continue conversations from messages in the bot's threads that mention it (needs GUILD_MESSAGES, not privileged).
    /// False identifies with GUILDS only; the Follow up button still works.
    /// </summary>
    public bool ThreadMessages { get; set; } = true;

    /// <summary>
    /// Request the privileged MESSAGE_CONTENT intent so any message in the bot's threads continues the conversation.
    /// Enable <b>Message Content Intent</b> in the developer portal first, or Discord closes the gateway with 4014.
    /// </summary>
    public bool MessageContentIntent { get; set; }

    /// <summary>Exactly the intents the configuration needs.</summary>
    public int EffectiveIntents =>
        GuildsIntent
        | (ThreadMessages || MessageContentIntent ? GuildMessagesIntent : 0)
        | (MessageContentIntent ? MessageContentIntentBit : 0);

    /// <summary>Interactions handled at the same time; more wait in the queue.</summary>
    [Range(1, 256)]
    public int InteractionConcurrency { get; set; } = 8;

    /// <summary>Interactions (and thread messages) that may wait; beyond this the user is told the bot is busy.</summary>
    [Range(1, 10_000)]
    public int InteractionQueueCapacity { get; set; } = 200;

    /// <summary>HTTP transport: a signed request whose timestamp is further than this from now is refused (replay protection).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:15:00")]
    public TimeSpan MaxRequestAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>File the bot touches on every heartbeat ACK (unix seconds), read by the container health check. Empty disables it.</summary>
    public string? HeartbeatFile { get; set; }

    /// <summary>First reconnect delay; doubles (with jitter) on consecutive failures up to <see cref="MaxReconnectDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect backoff.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum spacing of identifies per concurrency bucket. Discord's rule is 5 s; only tests shorten it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan IdentifyInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command may run before the user is told it timed out (interaction tokens live 15 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:14:30")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time budget for autocomplete suggestions (Discord allows 3 s for the whole round trip).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:02.500")]
    public TimeSpan AutocompleteBudget { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>REST request timeout per attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The URL in the <c>User-Agent: DiscordBot (url, version)</c> header.</summary>
    [Required]
    [Url]
    public string UserAgentUrl { get; set; } = "https://github.com/paperbot/paperbot";

    /// <summary>True when <see cref="ShardCount"/> is <c>auto</c>.</summary>
    public bool AutoShardCount => string.Equals(ShardCount, "auto", StringComparison.OrdinalIgnoreCase);

    /// <summary>The configured shard count, or null for <c>auto</c>.</summary>
    public int? FixedShardCount => AutoShardCount ? null : int.Parse(ShardCount, CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Transport == "http" && string.IsNullOrWhiteSpace(PublicKey))
        {
            yield return new ValidationResult("Discord:PublicKey is required when Discord:Transport is 'http'.", [nameof(PublicKey)]);
        }

        if (ShardId is { } id && FixedShardCount is { } count && id >= count)
        {
            yield return new ValidationResult($"Discord:ShardId ({id}) must be below Discord:ShardCount ({count}).", [nameof(ShardId)]);
        }

        if (ReconnectDelay > MaxReconnectDelay)
        {
            yield return new ValidationResult("Discord:ReconnectDelay must not exceed Discord:MaxReconnectDelay.", [nameof(ReconnectDelay)]);
        }
    }
}
