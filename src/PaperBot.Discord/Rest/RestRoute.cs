using System.Text;

namespace PaperBot.Discord.Rest;

/// <summary>
/// One REST call's route: the template (<c>/channels/{channel_id}/messages</c>) with its values.
/// Rate-limit buckets are keyed by the template plus the top-level ("major") ids, as Discord does.
/// </summary>
internal sealed class RestRoute
{
    private static readonly HashSet<string> MajorParameters =
        ["channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id", "interaction_token"];

    private RestRoute(HttpMethod method, string template, string path, string routeKey, string majorKey, bool exemptFromGlobal)
    {
        Method = method;
        Template = template;
        Path = path;
        RouteKey = routeKey;
        MajorKey = majorKey;
        ExemptFromGlobal = exemptFromGlobal;
    }

    public HttpMethod Method { get; }

    /// <summary>The template, safe to log (no ids, no tokens).</summary>
    public string Template { get; }

    /// <summary>The path relative to the API base, values substituted (contains interaction tokens: never log it).</summary>
    public string Path { get; }

    /// <summary>Method + template with major ids filled in: the bucket key before Discord names the bucket.</summary>
    public string RouteKey { get; }

    /// <summary>The major ids, combined with a bucket hash to form the bucket key.</summary>
    public string MajorKey { get; }

    /// <summary>Interaction callbacks and interaction webhooks do not count against the global limit.</summary>
    public bool ExemptFromGlobal { get; }

    public override string ToString() => $"{Method} {Template}";

    public static RestRoute Create(HttpMethod method, string template, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(template);
        var path = new StringBuilder();
        var routeKey = new StringBuilder(method.Method).Append(' ');
        var major = new StringBuilder();
        var index = 0;
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                path.Append(template, i, template.Length - i);
                routeKey.Append(template, i, template.Length - i);
                break;
            }

            var close = template.IndexOf('}', open);
            path.Append(template, i, open - i);
            routeKey.Append(template, i, open - i);
            var name = template[(open + 1)..close];
            if (index >= values.Length)
            {
                throw new ArgumentException($"Route {template} needs a value for {{{name}}}.", nameof(values));
            }

            var value = values[index++];
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"Route {template}: {{{name}}} is empty.", nameof(values));
            }

            path.Append(Uri.EscapeDataString(value));
            if (MajorParameters.Contains(name))
            {
                routeKey.Append(value);
                major.Append(major.Length == 0 ? "" : "/").Append(value);
            }
            else
            {
                routeKey.Append('{').Append(name).Append('}');
            }

            i = close + 1;
        }

        if (index != values.Length)
        {
            throw new ArgumentException($"Route {template} takes {index} values, got {values.Length}.", nameof(values));
        }

        var exempt = template.StartsWith("/interactions/", StringComparison.Ordinal)
                     || template.StartsWith("/webhooks/{webhook_id}/{webhook_token}", StringComparison.Ordinal);
        return new RestRoute(method, template, path.ToString(), routeKey.ToString(), major.ToString(), exempt);
    }

    public static RestRoute GatewayBot() => Create(HttpMethod.Get, "/gateway/bot");

    public static RestRoute CurrentApplication() => Create(HttpMethod.Get, "/applications/@me");

    public static RestRoute Commands(HttpMethod method, string applicationId, string? guildId) =>
        guildId is null
            ? Create(method, "/applications/{application_id}/commands", applicationId)
            : Create(method, "/applications/{application_id}/guilds/{guild_id}/commands", applicationId, guildId);

    public static RestRoute InteractionCallback(string interactionId, string interactionToken) =>
        Create(HttpMethod.Post, "/interactions/{interaction_id}/{interaction_token}/callback", interactionId, interactionToken);

    public static RestRoute OriginalResponse(HttpMethod method, string applicationId, string interactionToken) =>
        Create(method, "/webhooks/{webhook_id}/{webhook_token}/messages/@original", applicationId, interactionToken);

    public static RestRoute Followup(string applicationId, string interactionToken) =>
        Create(HttpMethod.Post, "/webhooks/{webhook_id}/{webhook_token}", applicationId, interactionToken);

    public static RestRoute ChannelMessage(string channelId) =>
        Create(HttpMethod.Post, "/channels/{channel_id}/messages", channelId);

    /// <summary>A channel's most recent messages (digest crash recovery looks for its tags there).</summary>
    public static RestRoute RecentChannelMessages(string channelId, int limit) =>
        Create(HttpMethod.Get, "/channels/{channel_id}/messages?limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture), channelId);
}
