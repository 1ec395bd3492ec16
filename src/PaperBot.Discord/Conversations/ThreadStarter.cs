using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Conversations;

/// <summary>
/// Opens a conversation thread from an answer message (<c>POST /channels/{id}/messages/{id}/threads</c>, named after
/// the question with mentions removed), records the conversation in the library and says in the thread how to continue.
/// </summary>
internal sealed partial class ThreadStarter(
    DiscordRestClient rest,
    IConversationStore conversations,
    IOptions<ConversationOptions> conversationOptions,
    IOptions<DiscordOptions> discordOptions,
    TimeProvider time,
    ILogger<ThreadStarter> logger)
{
    public const int MaxThreadName = 100;
    private const string FallbackName = "PaperBot conversation";

    /// <summary>Creates the thread and its conversation (first turn: the answered question); returns the thread id.</summary>
    public async Task<string> StartAsync(string channelId, string messageId, string? guildId, string? userId, ConversationTurn firstTurn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firstTurn);
        var thread = await rest.SendAsync(
            RestRoute.Create(HttpMethod.Post, "/channels/{channel_id}/messages/{message_id}/threads", channelId, messageId),
            new JsonObject
            {
                ["name"] = ThreadName(firstTurn.Question),
                ["auto_archive_duration"] = conversationOptions.Value.ThreadAutoArchiveMinutes,
            },
            cancellationToken);
        var threadId = thread?.GetProperty("id").GetString() ?? throw new DiscordApiException("Discord returned no thread id.");
        var now = time.GetUtcNow();
        await conversations.StartAsync(new Conversation(threadId, guildId, channelId, userId, now, now, HintSent: false), firstTurn, cancellationToken);
        logger.LogInformation("Conversation thread {ThreadId} opened from message {MessageId}", threadId, messageId);
        await rest.SendAsync(RestRoute.ChannelMessage(threadId), DiscordMessage.Text(HowToContinue(discordOptions.Value)).ToJson(), cancellationToken);
        return threadId;
    }

    /// <summary>How to continue in a thread, for the intents this configuration has.</summary>
    public static string HowToContinue(DiscordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MessageContentIntent
            ? "Ask follow-up questions here: just write them. PaperBot remembers this conversation."
            : options.ThreadMessages
                ? "Ask follow-up questions here by mentioning PaperBot (@PaperBot …), or press **Follow up** under an answer."
                : "Ask follow-up questions here with the **Follow up** button under an answer.";
    }

    /// <summary>A thread name from a question: no mentions (users, roles, channels, @everyone/@here), one line, 1–100 characters.</summary>
    public static string ThreadName(string question)
    {
        var cleaned = MentionRegex().Replace(question ?? "", " ");
        cleaned = cleaned.Replace("@", "@\u200b", StringComparison.Ordinal);
        cleaned = string.Join(' ', cleaned.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (cleaned.Length == 0)
        {
            return FallbackName;
        }

        return cleaned.Length <= MaxThreadName ? cleaned : cleaned[..(MaxThreadName - 1)].TrimEnd() + "…";
    }

    [GeneratedRegex(@"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MentionRegex();
}
