using System.Text.Json;
using PaperBot.Core.Digests;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Digests;

/// <summary>
/// Posts digest parts through the REST API. Each POST carries the part's nonce with <c>enforce_nonce</c>,
/// so a retried send inside Discord's window returns the existing message (and the REST client may retry
/// it after a 5xx). Unknown channel (10003), missing access (50001) and missing permissions (50013) become
/// <see cref="DigestChannelUnavailableException"/>: the subscription is paused with that reason.
/// </summary>
internal sealed class DiscordDigestPoster(DiscordRestClient rest) : IDigestPoster
{
    private const int RecentMessages = 50;

    public async Task<string> PostAsync(Subscription subscription, long runId, DigestPart part, DigestMarker marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(marker);
        var body = DigestRenderer.Part(part, runId, marker).ToJson(includeFlags: false);
        body["nonce"] = marker.Nonce;
        body["enforce_nonce"] = true;
        try
        {
            var message = await rest.SendAsync(RestRoute.ChannelMessage(subscription.ChannelId), body, cancellationToken);
            return message?.GetProperty("id").GetString()
                ?? throw new DiscordApiException($"Discord answered the digest post to channel {subscription.ChannelId} without a message id.");
        }
        catch (DiscordApiException ex) when (Unavailable(ex) is { } reason)
        {
            throw new DigestChannelUnavailableException(reason, ex);
        }
    }

    public async Task<string?> FindPostedAsync(string channelId, DigestMarker marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        JsonElement? messages;
        try
        {
            messages = await rest.SendAsync(RestRoute.RecentChannelMessages(channelId, RecentMessages), null, cancellationToken);
        }
        catch (DiscordApiException ex) when (Unavailable(ex) is { } reason)
        {
            throw new DigestChannelUnavailableException(reason, ex);
        }

        if (messages is not { ValueKind: JsonValueKind.Array } list)
        {
            return null;
        }

        foreach (var message in list.EnumerateArray())
        {
            if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                && content.GetString()!.Contains(marker.Tag, StringComparison.Ordinal))
            {
                return message.GetProperty("id").GetString();
            }
        }

        return null;
    }

    /// <summary>The pause reason for errors that retrying cannot fix, or null.</summary>
    internal static string? Unavailable(DiscordApiException ex) => ex.Code switch
    {
        10003 => "the channel no longer exists (Discord error 10003, Unknown Channel)",
        50001 => "the bot cannot see the channel (Discord error 50001, Missing Access)",
        50013 => "the bot may not post there: it needs View Channel, Send Messages and Embed Links (Discord error 50013, Missing Permissions)",
        _ => null,
    };
}
