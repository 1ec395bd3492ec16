using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>A thread the fake created from a message.</summary>
internal sealed record FakeThread(string Id, string ParentId, string MessageId, string Name, int AutoArchiveDuration);

/// <summary>A message posted to a channel or thread, with its edits.</summary>
internal sealed class FakeChannelMessage(string id, string channelId, JsonObject body, DateTimeOffset at)
{
    public string Id { get; } = id;

    public string ChannelId { get; } = channelId;

    public JsonObject Body { get; set; } = body;

    public DateTimeOffset At { get; } = at;

    public ConcurrentQueue<(DateTimeOffset At, JsonObject Body)> Edits { get; } = new();

    /// <summary>The text of the message: content and embed descriptions.</summary>
    public string Text => (Body["content"]?.GetValue<string>() ?? "") + string.Concat((Body["embeds"] as JsonArray ?? []).Select(e => "\n" + e?["description"]?.GetValue<string>()));
}

/// <summary>Threads, channel messages (and their edits), and component, modal and MESSAGE_CREATE dispatch.</summary>
internal sealed partial class FakeDiscordServer
{
    /// <summary>The bot user's id in the READY the fake sends (gateway-dispatch-ready-captured.json).</summary>
    public const string BotUserId = "1178012787457400832";

    /// <summary>The invoking member of the captured slash-command payload.</summary>
    public const string MemberId = "53908232506183680";

    public const string GuildId = "290926798626357999";

    public const string ChannelId = "645027906669510667";

    private readonly ConcurrentDictionary<string, FakeThread> _threads = new();
    private readonly ConcurrentQueue<FakeChannelMessage> _channelMessages = new();

    public IReadOnlyList<FakeThread> Threads => _threads.Values.ToList();

    public IReadOnlyList<FakeChannelMessage> ChannelMessages(string channelId) => _channelMessages.Where(m => m.ChannelId == channelId).ToList();

    /// <summary>A component interaction (button or select) on <paramref name="messageId"/>.</summary>
    public async Task<FakeInteraction> DispatchComponentAsync(string customId, string messageId, string? channelId = null, IReadOnlyList<string>? values = null, string? userId = null)
    {
        var (json, fake) = NewInteraction("", null, type: 3);
        json["data"] = new JsonObject
        {
            ["custom_id"] = customId,
            ["component_type"] = values is null ? 2 : 3,
            ["values"] = values is null ? null : new JsonArray(values.Select(v => (JsonNode)v).ToArray()),
        };
        json["message"] = new JsonObject { ["id"] = messageId, ["channel_id"] = channelId ?? ChannelId };
        Prepare(json, channelId, userId);
        await Gateway.DispatchAsync("INTERACTION_CREATE", json);
        return fake;
    }

    /// <summary>A modal submit with text inputs.</summary>
    public async Task<FakeInteraction> DispatchModalSubmitAsync(string customId, IReadOnlyDictionary<string, string> inputs, string? channelId = null, string? messageId = null)
    {
        var (json, fake) = NewInteraction("", null, type: 5);
        json["data"] = new JsonObject
        {
            ["custom_id"] = customId,
            ["components"] = new JsonArray(inputs.Select(i => (JsonNode)new JsonObject
            {
                ["type"] = 1,
                ["components"] = new JsonArray(new JsonObject { ["type"] = 4, ["custom_id"] = i.Key, ["value"] = i.Value }),
            }).ToArray()),
        };
        if (messageId is not null)
        {
            json["message"] = new JsonObject { ["id"] = messageId };
        }

        Prepare(json, channelId, null);
        await Gateway.DispatchAsync("INTERACTION_CREATE", json);
        return fake;
    }

    /// <summary>A slash command in a given channel (a thread, for example).</summary>
    public async Task<FakeInteraction> DispatchCommandInAsync(string channelId, string name, JsonArray? options = null, string? permissions = null, string? guildId = null)
    {
        var (json, fake) = NewInteraction(name, options, guildId: guildId);
        Prepare(json, channelId, null);
        if (permissions is not null)
        {
            json["member"]!["permissions"] = permissions;
        }

        await Gateway.DispatchAsync("INTERACTION_CREATE", json);
        return fake;
    }

    /// <summary>
    /// A user's message in a channel, as Discord would dispatch it to the connection: only with GUILD_MESSAGES, and
    /// with its content only when the bot is mentioned or MESSAGE_CONTENT was granted. Returns the message id, or null
    /// when the connection's intents do not receive it.
    /// </summary>
    public async Task<string?> DispatchUserMessageAsync(string channelId, string content, bool mentionBot, string userId = MemberId)
    {
        var live = Gateway.Live;
        if (live is null || (live.Intents & (1 << 9)) == 0)
        {
            return null;
        }

        var withContent = mentionBot || (live.Intents & (1 << 15)) != 0;
        var json = FakePayloads.LoadObject("gateway-dispatch-message-create.json")["d"]!.AsObject();
        var id = NextSnowflake();
        json["id"] = id;
        json["channel_id"] = channelId;
        json["guild_id"] = GuildId;
        json["author"]!["id"] = userId;
        json["content"] = withContent ? (mentionBot ? $"<@{BotUserId}> {content}" : content) : "";
        json["mentions"] = mentionBot ? new JsonArray(new JsonObject { ["id"] = BotUserId, ["username"] = "PaperBot", ["bot"] = true }) : new JsonArray();
        json["nonce"] = null;
        await Gateway.DispatchAsync("MESSAGE_CREATE", json);
        return id;
    }

    private static void Prepare(JsonObject json, string? channelId, string? userId)
    {
        json["channel_id"] = channelId ?? ChannelId;
        if (userId is not null)
        {
            json["member"]!["user"]!["id"] = userId;
        }
    }

    private string NextSnowflake() => (1095661440997806172L + Interlocked.Increment(ref _nextId)).ToString(CultureInfo.InvariantCulture);

    private JsonObject RecordChannelMessage(string channelId, JsonObject sent, JsonObject message)
    {
        _channelMessages.Enqueue(new FakeChannelMessage(message["id"]!.GetValue<string>(), channelId, sent.DeepClone().AsObject(), Clock.GetUtcNow()));
        return message;
    }

    private Reply? RouteConversations(string method, string template, string[] values, JsonNode? json)
    {
        switch ((method, template))
        {
            case ("POST", "/channels/{channel_id}/messages/{message_id}/threads"):
            {
                var problems = MessageValidator.ValidateSchema(method, template, json).ToList();
                var name = json?["name"]?.GetValue<string>() ?? "";
                if (name.Length is < 1 or > 100)
                {
                    problems.Add($"thread name must be 1-100 characters, got {name.Length}");
                }

                if (name.Contains("<@", StringComparison.Ordinal) || name.Contains("@everyone", StringComparison.Ordinal) || name.Contains("@here", StringComparison.Ordinal))
                {
                    problems.Add($"thread name pings: '{name}'");
                }

                var archive = json?["auto_archive_duration"]?.GetValue<int>() ?? 4320;
                if (archive is not (60 or 1440 or 4320 or 10080))
                {
                    problems.Add($"auto_archive_duration {archive}");
                }

                if (_threads.Values.Any(t => t.MessageId == values[1]))
                {
                    return Reply.Error(400, 160004, "A thread has already been created for this message");
                }

                if (problems.Count > 0)
                {
                    foreach (var problem in problems)
                    {
                        Violation($"{method} {template}: {problem}");
                    }

                    return Reply.Error(400, 50035, "Invalid Form Body");
                }

                var thread = new FakeThread(NextSnowflake(), values[0], values[1], name, archive);
                _threads[thread.Id] = thread;
                return Reply.Json(201, new JsonObject
                {
                    ["id"] = thread.Id,
                    ["type"] = 11,
                    ["guild_id"] = GuildId,
                    ["parent_id"] = thread.ParentId,
                    ["name"] = thread.Name,
                    ["owner_id"] = BotUserId,
                    ["thread_metadata"] = new JsonObject { ["archived"] = false, ["auto_archive_duration"] = archive, ["locked"] = false },
                });
            }

            case ("PATCH", "/channels/{channel_id}/messages/{message_id}"):
            {
                if (ValidateMessage(method, template, json) is { } invalid)
                {
                    return invalid;
                }

                var message = _channelMessages.FirstOrDefault(m => m.ChannelId == values[0] && m.Id == values[1]);
                if (message is null)
                {
                    return Reply.Error(404, 10008, "Unknown Message");
                }

                message.Edits.Enqueue((Clock.GetUtcNow(), json!.AsObject().DeepClone().AsObject()));
                message.Body = json!.AsObject().DeepClone().AsObject();
                var reply = MessageObject(values[0], json.AsObject());
                reply["id"] = message.Id;
                return Reply.Json(200, reply);
            }

            default:
                return null;
        }
    }
}
