using System.Text.Json;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Gateway;

/// <summary>The answer of <c>GET /gateway/bot</c>.</summary>
internal sealed record GatewayBotInfo(string Url, int Shards, int SessionStartTotal, int SessionStartRemaining, TimeSpan SessionStartResetAfter, int MaxConcurrency);

/// <summary>Gateway URL discovery. The URL is cached; the limits are re-read before each new session.</summary>
internal sealed class GatewayDiscovery(DiscordRestClient rest)
{
    private volatile string? _cachedUrl;

    public string? CachedUrl => _cachedUrl;

    public async Task<GatewayBotInfo> FetchAsync(CancellationToken cancellationToken)
    {
        var json = await rest.SendAsync(RestRoute.GatewayBot(), null, cancellationToken)
                   ?? throw new DiscordApiException("GET /gateway/bot returned no body.");
        var url = json.GetProperty("url").GetString() ?? throw new DiscordApiException("GET /gateway/bot returned no url.");
        var limit = json.TryGetProperty("session_start_limit", out var l) ? l : default;
        var info = new GatewayBotInfo(
            url,
            json.TryGetProperty("shards", out var s) && s.TryGetInt32(out var shards) ? shards : 1,
            Int(limit, "total", 1000),
            Int(limit, "remaining", 1000),
            TimeSpan.FromMilliseconds(Int(limit, "reset_after", 0)),
            Math.Max(1, Int(limit, "max_concurrency", 1)));
        _cachedUrl = url;
        return info;
    }

    public void Invalidate() => _cachedUrl = null;

    private static int Int(JsonElement e, string name, int fallback) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;
}
