using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Discord.Answers;
using PaperBot.Discord.FairUse;
using PaperBot.Discord.Gateway;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Conversations;

/// <summary>
/// Messages in the bot's conversation threads (MESSAGE_CREATE): a message that mentions the bot (GUILD_MESSAGES
/// fills its content) or, with the MESSAGE_CONTENT intent, any message continues the conversation with its history.
/// Without content the bot says once in the thread how to continue.
/// </summary>
internal sealed class ThreadMessageHandler(
    IConversationStore conversations,
    AnswerFlow flow,
    FairUseGate fairUse,
    DiscordRestClient rest,
    GatewayStatus status,
    IOptions<DiscordOptions> discordOptions,
    IOptions<ConversationOptions> conversationOptions,
    TimeProvider time,
    ILogger<ThreadMessageHandler> logger) : IGatewayMessageHandler
{
    public async Task HandleAsync(JsonElement message, CancellationToken cancellationToken)
    {
        if (message.ValueKind != JsonValueKind.Object
            || Str(message, "channel_id") is not { } channelId
            || Str(message, "id") is not { } messageId
            || !message.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.Object
            || (author.TryGetProperty("bot", out var bot) && bot.ValueKind == JsonValueKind.True)
            || (message.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Number && type.GetInt32() is not (0 or 19)))
        {
            return;
        }

        var conversation = await conversations.GetAsync(channelId, cancellationToken);
        if (conversation is null)
        {
            return;
        }

        var botId = status.BotUserId;
        var mentioned = botId is not null && message.TryGetProperty("mentions", out var mentions) && mentions.ValueKind == JsonValueKind.Array
                        && mentions.EnumerateArray().Any(m => m.ValueKind == JsonValueKind.Object && Str(m, "id") == botId);
        var content = Str(message, "content") ?? "";
        if (botId is not null)
        {
            content = content.Replace($"<@{botId}>", " ", StringComparison.Ordinal).Replace($"<@!{botId}>", " ", StringComparison.Ordinal);
        }

        var question = string.Join(' ', content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var userId = Str(author, "id");
        var guildId = Str(message, "guild_id");
        if (!mentioned && !discordOptions.Value.MessageContentIntent)
        {
            // Without MESSAGE_CONTENT Discord sends this message without its text: explain once how to continue.
            if (await conversations.TryMarkHintSentAsync(channelId, cancellationToken))
            {
                await PostAsync(channelId, messageId, DiscordMessage.Text(ThreadStarter.HowToContinue(discordOptions.Value)), cancellationToken);
            }

            return;
        }

        if (question.Length < AnswerComponents.MinQuestion)
        {
            await PostAsync(channelId, messageId, DiscordMessage.Text("Write your follow-up question after the mention, for example: @PaperBot and how does that compare to MoE?"), cancellationToken);
            return;
        }

        if (question.Length > AnswerComponents.MaxQuestion)
        {
            await PostAsync(channelId, messageId, DiscordMessage.Text($"That question is too long ({question.Length} characters, at most {AnswerComponents.MaxQuestion})."), cancellationToken);
            return;
        }

        if (fairUse.TryAcquire(userId, guildId) is { } refusal)
        {
            await PostAsync(channelId, messageId, DiscordMessage.Text(refusal), cancellationToken);
            return;
        }

        logger.LogDebug("Thread {ThreadId} follow-up: {Question}", channelId, question);
        var history = flow.FitHistory(await conversations.RecentTurnsAsync(channelId, conversationOptions.Value.HistoryTurns, cancellationToken));
        string? progressId = null;
        AnswerResult result;
        try
        {
            result = await flow.AnswerAsync(
                new AnswerRequest(question, guildId, channelId, userId, history, OfferThread: false),
                async (partial, ct) => progressId = await ShowAsync(channelId, messageId, progressId, partial, ct),
                cancellationToken);
        }
        catch (UserFacingException ex)
        {
            await PostAsync(channelId, messageId, DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content)), cancellationToken);
            return;
        }

        // Stored before the answer shows, so a follow-up sent the moment it appears already has this turn.
        await conversations.AddTurnAsync(channelId, new ConversationTurn(question, result.Stored.Text), time.GetUtcNow(), cancellationToken);
        var parts = MessageSplitter.Split(result.Message);
        await ShowAsync(channelId, messageId, progressId, parts[0], cancellationToken);
        foreach (var more in parts.Skip(1))
        {
            await rest.SendAsync(RestRoute.ChannelMessage(channelId), more.ToJson(), cancellationToken);
        }
    }

    /// <summary>Posts the message as a reply the first time, edits it afterwards; returns its id.</summary>
    private async Task<string?> ShowAsync(string channelId, string replyTo, string? existingId, DiscordMessage message, CancellationToken cancellationToken)
    {
        if (existingId is not null)
        {
            await rest.SendAsync(RestRoute.Create(HttpMethod.Patch, "/channels/{channel_id}/messages/{message_id}", channelId, existingId), message.ToJson(includeFlags: false), cancellationToken);
            return existingId;
        }

        return await PostAsync(channelId, replyTo, message, cancellationToken);
    }

    private async Task<string?> PostAsync(string channelId, string replyTo, DiscordMessage message, CancellationToken cancellationToken)
    {
        var body = message.ToJson(includeFlags: false);
        body["message_reference"] = new JsonObject { ["message_id"] = replyTo, ["fail_if_not_exists"] = false };
        body["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray(), ["replied_user"] = false };
        var sent = await rest.SendAsync(RestRoute.ChannelMessage(channelId), body, cancellationToken);
        return sent is { } json && json.TryGetProperty("id", out var id) ? id.GetString() : null;
    }

    private static string? Str(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
