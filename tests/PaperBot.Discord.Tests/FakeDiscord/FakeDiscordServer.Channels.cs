using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>
/// Channel messages as Discord keeps them: POST /channels/{id}/messages stores the message (validated against
/// the OpenAPI description and the limits); a repeated <c>nonce</c> sent with <c>enforce_nonce: true</c>
/// returns the message created first instead of a second one; GET lists the newest first. Channels can be
/// deleted (10003) or lose access (50001) or permissions (50013).
/// </summary>
internal sealed partial class FakeDiscordServer
{
    private readonly ConcurrentDictionary<string, List<JsonObject>> _postedByChannel = new();
    private readonly ConcurrentDictionary<string, (int Status, int Code, string Message)> _channelErrors = new();

    /// <summary>The message objects posted to a channel (as Discord returns them, nonce included), oldest first.</summary>
    public IReadOnlyList<JsonObject> PostedMessages(string channelId)
    {
        var list = _postedByChannel.GetOrAdd(channelId, _ => []);
        lock (list)
        {
            return [.. list];
        }
    }

    public void DeleteChannel(string channelId) => _channelErrors[channelId] = (404, 10003, "Unknown Channel");

    public void RemoveAccess(string channelId) => _channelErrors[channelId] = (403, 50001, "Missing Access");

    public void RemoveSendPermission(string channelId) => _channelErrors[channelId] = (403, 50013, "Missing Permissions");

    private Reply? RouteChannelMessages(string method, string template, string[] values, JsonNode? json)
    {
        if (template != "/channels/{channel_id}/messages")
        {
            return null;
        }

        var channelId = values[0];
        if (_channelErrors.TryGetValue(channelId, out var error))
        {
            return Reply.Error(error.Status, error.Code, error.Message);
        }

        var list = _postedByChannel.GetOrAdd(channelId, _ => []);
        if (method == "GET")
        {
            lock (list)
            {
                return Reply.Json(200, new JsonArray([.. Enumerable.Reverse(list).Take(50).Select(m => (JsonNode)m.DeepClone())]));
            }
        }

        if (method != "POST")
        {
            return Reply.Error(405, 0, "405: Method Not Allowed");
        }

        if (ValidateMessage("POST", template, json) is { } invalid)
        {
            return invalid;
        }

        var nonce = json!["nonce"]?.ToString();
        var enforce = json["enforce_nonce"]?.GetValue<bool>() == true;
        if (nonce is { Length: > 25 })
        {
            Violation($"POST {template}: nonce longer than 25 characters");
        }

        lock (list)
        {
            if (enforce && nonce is not null && list.FirstOrDefault(m => m["nonce"]?.ToString() == nonce) is { } existing)
            {
                return Reply.Json(200, existing.DeepClone());
            }

            var message = MessageObject(channelId, json.AsObject());
            message["components"] = json["components"]?.DeepClone() ?? new JsonArray();
            if (nonce is not null)
            {
                message["nonce"] = nonce;
            }

            list.Add(message);
            RecordChannelMessage(channelId, json.AsObject(), message); // threads and edits: FakeDiscordServer.Conversations.cs
            return Reply.Json(200, message.DeepClone());
        }
    }
}
