using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Commands;
using PaperBot.Core.Digests;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Digests;

/// <summary>
/// <c>/digest subscribe|unsubscribe|list|preview|now</c>. The command is Manage Server only: the catalog sets
/// <c>default_member_permissions</c> and the dispatcher checks the member's permissions again server side.
/// </summary>
internal sealed class DigestCommands(
    DigestSubscriptions subscriptions, IDigestStore store, DigestComposer composer, DigestRunner runner,
    IOptions<DigestOptions> options, TimeProvider time) : ISlashCommandModule
{
    public bool Handles(string commandName) => commandName == SlashCommandCatalog.Digest;

    public CommandDeferral Deferral(Interaction interaction) => interaction?.SubcommandName switch
    {
        // Visible to the channel: it changes what the channel gets.
        "subscribe" or "unsubscribe" => CommandDeferral.Public,
        _ => CommandDeferral.Ephemeral,
    };

    public string? Validate(Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (interaction.SubcommandName == "subscribe")
        {
            try
            {
                subscriptions.Validate(Request(interaction));
            }
            catch (UserFacingException ex)
            {
                return ex.Message;
            }
        }

        if (interaction.SubcommandName == "preview" && Text(interaction, "topics") is { } topics)
        {
            try
            {
                DigestComposer.Validate(topics);
            }
            catch (UserFacingException ex)
            {
                return ex.Message;
            }
        }

        return null;
    }

    public async Task<DiscordMessage> ExecuteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var channel = Channel(interaction);
        switch (interaction.SubcommandName)
        {
            case "subscribe":
            {
                var subscription = await subscriptions.SubscribeAsync(Request(interaction), cancellationToken);
                return DiscordMessage.Text(
                    $"📰 <#{subscription.ChannelId}> gets a digest of new papers on *{subscription.Topics}* {Describe(subscription)}. "
                    + $"Up to {subscription.MaxPapers} papers, minimum score {subscription.MinScore.ToString("0.#", CultureInfo.InvariantCulture)}/10. "
                    + "Preview it with `/digest preview`.");
            }

            case "unsubscribe":
                return await store.RemoveSubscriptionAsync(channel, cancellationToken)
                    ? DiscordMessage.Text($"Stopped the digest in <#{channel}>.")
                    : throw new UserFacingException($"There is no digest in <#{channel}>. `/digest list` shows this server's digests.");

            case "list":
                return await ListAsync(interaction.GuildId, cancellationToken);

            case "preview":
            {
                var max = (int)(interaction.Option("max")?.AsInteger() ?? options.Value.DefaultMax);
                if (Text(interaction, "topics") is { } topics)
                {
                    var since = time.GetUtcNow() - options.Value.FirstLookback;
                    var adHoc = await composer.PreviewAsync(topics, since, max, null, cancellationToken);
                    return DigestRenderer.Preview(adHoc, $"papers added in the last {options.Value.FirstLookback.TotalDays:0} days");
                }

                var subscription = await RequireAsync(channel, cancellationToken);
                var digest = await composer.ComposeAsync(subscription with { MaxPapers = interaction.Option("max") is null ? subscription.MaxPapers : max }, cancellationToken);
                return DigestRenderer.Preview(digest, subscription.HighWater is null ? "first digest" : "papers added since the last digest");
            }

            case "now":
            {
                var subscription = await RequireAsync(channel, cancellationToken);
                var outcome = await runner.RunAsync(subscription, runner.ManualOccurrenceKey(), cancellationToken);
                return DiscordMessage.Text(outcome.Status switch
                {
                    DigestRunStatus.Posted => $"Posted in <#{channel}>: {outcome.Detail}.",
                    DigestRunStatus.NothingToPost => "Nothing relevant is new, so nothing was posted.",
                    DigestRunStatus.AlreadyClaimed => "A digest for this channel was posted this minute already; not posting it twice.",
                    _ => $"Could not post in <#{channel}>: {outcome.Detail}. The digest is paused until someone runs `/digest subscribe` again.",
                }, ephemeral: true);
            }

            default:
                throw new UserFacingException("Use /digest subscribe, unsubscribe, list, preview or now.");
        }
    }

    public Task<IReadOnlyList<AutocompleteChoice>> AutocompleteAsync(Interaction interaction, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AutocompleteChoice>>([]);

    private async Task<DiscordMessage> ListAsync(string? guildId, CancellationToken cancellationToken)
    {
        var all = await store.ListSubscriptionsAsync(guildId, cancellationToken);
        if (all.Count == 0)
        {
            return DiscordMessage.Text("No digests in this server yet. Start one with `/digest subscribe topics:…`.", ephemeral: true);
        }

        var text = new StringBuilder();
        foreach (var s in all)
        {
            var votes = await store.GetVotesAsync(s.ChannelId, cancellationToken);
            text.Append(CultureInfo.InvariantCulture, $"**<#{s.ChannelId}>** · *{s.Topics}* · {Describe(s)}");
            text.Append(CultureInfo.InvariantCulture, $" · max {s.MaxPapers}, min score {s.MinScore:0.#}");
            if (s.PausedReason is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n⏸️ **paused**: {s.PausedReason}. Fix it, then run `/digest subscribe` again.");
            }

            text.Append(CultureInfo.InvariantCulture, $"\n-# last: {s.LastResult ?? "not run yet"}");
            text.Append(CultureInfo.InvariantCulture, $" · {votes.Count} voted paper{(votes.Count == 1 ? "" : "s")} shape its ranking\n");
        }

        return DiscordMessage.Text(text.ToString().TrimEnd(), ephemeral: true);
    }

    private string Describe(Subscription subscription)
    {
        var next = subscription.PausedReason is null ? DigestSchedule.Next(subscription, time.GetUtcNow()) : null;
        var parts = subscription.Cron.Split(' ');
        var when = parts is [var minute, var hour, "*", "*", "*"] && int.TryParse(minute, CultureInfo.InvariantCulture, out var m) && int.TryParse(hour, CultureInfo.InvariantCulture, out var h)
            ? $"daily at {h:00}:{m:00} {subscription.TimeZone}"
            : $"on `{subscription.Cron}` ({subscription.TimeZone})";
        return next is { } n ? $"{when}, next <t:{n.ToUnixTimeSeconds()}:R>" : when;
    }

    private async Task<Subscription> RequireAsync(string channel, CancellationToken cancellationToken) =>
        await store.GetSubscriptionAsync(channel, cancellationToken)
        ?? throw new UserFacingException($"There is no digest in <#{channel}>. Set one up with `/digest subscribe`, or preview topics with `/digest preview topics:…`.");

    private static SubscribeRequest Request(Interaction interaction) => new(
        interaction.GuildId,
        Channel(interaction),
        Text(interaction, "topics"),
        Text(interaction, "time"),
        Text(interaction, "timezone"),
        Text(interaction, "cron"),
        (int?)interaction.Option("max")?.AsInteger(),
        interaction.Option("min_score")?.AsInteger(),
        interaction.UserId);

    private static string Channel(Interaction interaction) =>
        interaction.Option("channel")?.AsString() ?? interaction.ChannelId ?? throw new UserFacingException("Name a channel.");

    private static string? Text(Interaction interaction, string name) =>
        interaction.Option(name)?.AsString() is { } text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
}
