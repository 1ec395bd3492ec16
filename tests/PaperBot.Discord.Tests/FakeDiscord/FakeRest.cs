using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>A request the fake received.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string Template,
    string MajorId,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset At,
    int Status)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public override string ToString() => $"{Method} {Template} -> {Status}";
}

/// <summary>A scripted answer (429, 502, …) for the next request that matches.</summary>
internal sealed record ScriptedResponse(Func<string, string, bool> Matches, int Status, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A rate-limit bucket the fake enforces: <paramref name="Limit"/> requests per <paramref name="Window"/>.</summary>
internal sealed record BucketRule(string Hash, int Limit, TimeSpan Window);

/// <summary>Route templates the fake knows, with their major parameter.</summary>
internal static partial class FakeRoutes
{
    private static readonly (Regex Pattern, string Template, int MajorGroup)[] Table =
    [
        (GatewayBot(), "/gateway/bot", 0),
        (Gateway(), "/gateway", 0),
        (CurrentApplication(), "/applications/@me", 0),
        (GuildCommands(), "/applications/{application_id}/guilds/{guild_id}/commands", 2),
        (GlobalCommands(), "/applications/{application_id}/commands", 0),
        (Callback(), "/interactions/{interaction_id}/{interaction_token}/callback", 1),
        (Original(), "/webhooks/{webhook_id}/{webhook_token}/messages/@original", 2),
        (Followup(), "/webhooks/{webhook_id}/{webhook_token}", 2),
        (ChannelMessages(), "/channels/{channel_id}/messages", 1),
        (MessageThreads(), "/channels/{channel_id}/messages/{message_id}/threads", 1),
        (ChannelMessage(), "/channels/{channel_id}/messages/{message_id}", 1),
        (Channel(), "/channels/{channel_id}", 1),
    ];

    public static (string Template, string Major, string[] Values) Match(string path)
    {
        foreach (var (pattern, template, majorGroup) in Table)
        {
            var match = pattern.Match(path);
            if (match.Success)
            {
                var values = match.Groups.Cast<Group>().Skip(1).Select(g => Uri.UnescapeDataString(g.Value)).ToArray();
                return (template, majorGroup == 0 ? "" : values[majorGroup - 1], values);
            }
        }

        return ("?", "", []);
    }

    [GeneratedRegex("^/gateway/bot$")]
    private static partial Regex GatewayBot();

    [GeneratedRegex("^/gateway$")]
    private static partial Regex Gateway();

    [GeneratedRegex("^/applications/@me$")]
    private static partial Regex CurrentApplication();

    [GeneratedRegex("^/applications/([0-9]+)/guilds/([0-9]+)/commands$")]
    private static partial Regex GuildCommands();

    [GeneratedRegex("^/applications/([0-9]+)/commands$")]
    private static partial Regex GlobalCommands();

    [GeneratedRegex("^/interactions/([0-9]+)/([^/]+)/callback$")]
    private static partial Regex Callback();

    [GeneratedRegex("^/webhooks/([0-9]+)/([^/]+)/messages/(?:@|%40)original$")]
    private static partial Regex Original();

    [GeneratedRegex("^/webhooks/([0-9]+)/([^/]+)$")]
    private static partial Regex Followup();

    [GeneratedRegex("^/channels/([0-9]+)/messages$")]
    private static partial Regex ChannelMessages();

    [GeneratedRegex("^/channels/([0-9]+)$")]
    private static partial Regex Channel();

    [GeneratedRegex("^/channels/([0-9]+)/messages/([0-9]+)/threads$")]
    private static partial Regex MessageThreads();

    [GeneratedRegex("^/channels/([0-9]+)/messages/([0-9]+)$")]
    private static partial Regex ChannelMessage();
}

/// <summary>The fake's rate limiting: per-route buckets (shared hashes, per major id), global 50/s, scripted 429s.</summary>
internal sealed class FakeRateLimits
{
    private readonly ConcurrentDictionary<string, BucketRule> _rules = new();
    private readonly ConcurrentDictionary<string, (int Remaining, DateTimeOffset ResetAt)> _state = new();
    private readonly ConcurrentQueue<ScriptedResponse> _scripted = new();
    private readonly Queue<DateTimeOffset> _global = new();
    private readonly Lock _lock = new();

    /// <summary>Puts routes (by template, all methods) under one bucket hash.</summary>
    public void Define(BucketRule rule, params string[] templates)
    {
        foreach (var template in templates)
        {
            _rules[template] = rule;
        }
    }

    /// <summary>Answers the next request matching (method, template) with this response instead.</summary>
    public void Enqueue(ScriptedResponse response) => _scripted.Enqueue(response);

    /// <summary>A 429 from a payload file (rest-429-*.json) with its retry times replaced by <paramref name="retryAfter"/>.</summary>
    public void Enqueue429(string payloadFile, string method, string template, TimeSpan retryAfter)
    {
        var payload = FakePayloads.LoadObject(payloadFile);
        var seconds = retryAfter.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var headers = payload["headers"]!.AsObject().ToDictionary(h => h.Key, h => h.Value!.GetValue<string>());
        headers["Retry-After"] = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (headers.ContainsKey("X-RateLimit-Reset-After"))
        {
            headers["X-RateLimit-Reset-After"] = seconds;
        }

        var body = payload["body"]!.AsObject();
        body["retry_after"] = retryAfter.TotalSeconds;
        Enqueue(new ScriptedResponse((m, t) => m == method && t == template, 429, headers, body.ToJsonString()));
    }

    public ScriptedResponse? TakeScripted(string method, string template)
    {
        lock (_lock)
        {
            var all = _scripted.ToArray();
            var hit = all.FirstOrDefault(s => s.Matches(method, template));
            if (hit is null)
            {
                return null;
            }

            _scripted.Clear();
            foreach (var other in all.Where(s => !ReferenceEquals(s, hit)))
            {
                _scripted.Enqueue(other);
            }

            return hit;
        }
    }

    /// <summary>Counts the request in the global window; returns false when more than 50 arrived in the last second.</summary>
    public bool CountGlobal(DateTimeOffset now)
    {
        lock (_lock)
        {
            while (_global.Count > 0 && _global.Peek() <= now - TimeSpan.FromSeconds(1))
            {
                _global.Dequeue();
            }

            _global.Enqueue(now);
            return _global.Count <= 50;
        }
    }

    /// <summary>Takes one request from the route's bucket. Returns the headers to send, or null headers and false when the bucket was exhausted.</summary>
    public (bool Allowed, Dictionary<string, string> Headers) Take(string template, string major, DateTimeOffset now)
    {
        var rule = _rules.TryGetValue(template, out var r) ? r : new BucketRule("default-" + template.GetHashCode(StringComparison.Ordinal).ToString("x", CultureInfo.InvariantCulture), 1000, TimeSpan.FromSeconds(1));
        var key = rule.Hash + ":" + major;
        lock (_lock)
        {
            var (remaining, resetAt) = _state.TryGetValue(key, out var s) && s.ResetAt > now ? s : (rule.Limit, now + rule.Window);
            var allowed = remaining > 0;
            if (allowed)
            {
                remaining--;
            }

            _state[key] = (remaining, resetAt);
            var resetAfter = Math.Max(0, (resetAt - now).TotalSeconds);
            var headers = new Dictionary<string, string>
            {
                ["X-RateLimit-Limit"] = rule.Limit.ToString(CultureInfo.InvariantCulture),
                ["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture),
                ["X-RateLimit-Reset"] = (resetAt.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture),
                ["X-RateLimit-Reset-After"] = resetAfter.ToString("0.000", CultureInfo.InvariantCulture),
                ["X-RateLimit-Bucket"] = rule.Hash,
            };
            if (!allowed)
            {
                headers["X-RateLimit-Scope"] = "user";
                headers["Retry-After"] = Math.Ceiling(resetAfter).ToString(CultureInfo.InvariantCulture);
            }

            return (allowed, headers);
        }
    }
}
