using Microsoft.Extensions.Options;

namespace PaperBot.Core.Digests;

/// <summary>What a user asks for when subscribing (raw, unvalidated).</summary>
public sealed record SubscribeRequest(
    string? GuildId, string ChannelId, string? Topics, string? Time, string? TimeZone, string? Cron, int? Max, double? MinScore, string? RequestedBy);

/// <summary>Validates and stores subscriptions, shared by the slash command and the CLI.</summary>
public sealed class DigestSubscriptions(IDigestStore store, IOptions<DigestOptions> options, TimeProvider time)
{
    /// <summary>Validates <paramref name="request"/> (nothing is stored when it is invalid) and stores it.</summary>
    public async Task<Subscription> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        var draft = Validate(request);
        return await store.UpsertSubscriptionAsync(draft, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>The validated subscription, or a <see cref="UserFacingException"/> saying what is wrong and what is accepted.</summary>
    public SubscriptionDraft Validate(SubscribeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.ChannelId) || !request.ChannelId.All(char.IsAsciiDigit))
        {
            throw new UserFacingException($"'{request.ChannelId}' is not a channel id. Use the channel's numeric id (Developer Mode → Copy Channel ID).");
        }

        var topics = DigestComposer.Validate(request.Topics);
        if (!string.IsNullOrWhiteSpace(request.Cron) && !string.IsNullOrWhiteSpace(request.Time))
        {
            throw new UserFacingException("Give either a time (HH:mm) or a cron expression, not both.");
        }

        string cron;
        if (!string.IsNullOrWhiteSpace(request.Cron))
        {
            cron = request.Cron.Trim();
            DigestSchedule.ParseCron(cron);
        }
        else
        {
            cron = DigestSchedule.DailyCron(string.IsNullOrWhiteSpace(request.Time) ? "08:00" : request.Time);
        }

        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        zone = DigestSchedule.ParseTimeZone(zone).Id;
        var max = request.Max ?? options.Value.DefaultMax;
        if (max is < 1 or > 20)
        {
            throw new UserFacingException($"max must be between 1 and 20 papers per digest; got {max}.");
        }

        var minScore = request.MinScore ?? options.Value.DefaultMinScore;
        if (minScore is < 0 or > 10)
        {
            throw new UserFacingException($"min_score must be between 0 and 10; got {minScore}.");
        }

        return new SubscriptionDraft(
            request.GuildId, request.ChannelId, request.Topics!.Trim(), topics.Categories, cron, zone, max, minScore, request.RequestedBy);
    }
}
