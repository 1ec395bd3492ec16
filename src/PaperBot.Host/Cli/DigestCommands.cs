using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core;
using PaperBot.Core.Digests;

namespace PaperBot.Host.Cli;

/// <summary><c>paperbot digest preview|subscribe|list|unsubscribe|run</c>: digests from the shell, for operators.</summary>
internal static class DigestCommands
{
    public static void AddTo(RootCommand root, IServiceProvider services, AppIo io)
    {
        var digest = new Command("digest", "Daily digests of new papers per Discord channel.")
        {
            PreviewCommand(services, io),
            SubscribeCommand(services, io),
            ListCommand(services, io),
            UnsubscribeCommand(services, io),
            RunCommand(services, io),
        };
        root.Subcommands.Add(digest);
    }

    private static Option<string> ChannelOption(bool required) => new("--channel")
    {
        Description = "The Discord channel id",
        Required = required,
    };

    private static Command PreviewCommand(IServiceProvider services, AppIo io)
    {
        var topics = new Option<string?>("--topics") { Description = "Comma-separated topics and/or arXiv categories" };
        var channel = new Option<string?>("--channel") { Description = "Preview a stored subscription's next digest instead" };
        var since = new Option<string?>("--since") { Description = "Only papers added on or after this date (YYYY-MM-DD); default all" };
        var max = new Option<int?>("--max") { Description = "Papers (1-20, default 8)" };
        var minScore = new Option<double?>("--min-score") { Description = "Drop papers scoring below this (0-10, default 4)" };
        var json = new Option<bool>("--json") { Description = "JSON output" };
        var command = new Command("preview", "Print the digest a channel with these topics would get from the current library.") { topics, channel, since, max, minScore, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            await LibraryCommands.EnsureSeededAsync(services, io, ct);
            var composer = services.GetRequiredService<DigestComposer>();
            Digest result;
            if (parse.GetValue(channel) is { } channelId)
            {
                var subscription = await services.GetRequiredService<IDigestStore>().GetSubscriptionAsync(channelId, ct)
                    ?? throw new UserFacingException($"No subscription for channel {channelId}. 'paperbot digest list' shows them.");
                result = await composer.ComposeAsync(subscription with { MaxPapers = parse.GetValue(max) ?? subscription.MaxPapers }, ct);
            }
            else
            {
                var text = parse.GetValue(topics) ?? throw new UserFacingException("Give --topics \"…\" (or --channel ID for a stored subscription).");
                var count = parse.GetValue(max) ?? 8;
                if (count is < 1 or > 20)
                {
                    throw new UserFacingException($"--max must be between 1 and 20; got {count}.");
                }

                result = await composer.PreviewAsync(text, ParseDate(parse.GetValue(since)), count, parse.GetValue(minScore), ct);
            }

            await io.Out.WriteLineAsync(parse.GetValue(json) ? ToJson(result) : Render(result));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command SubscribeCommand(IServiceProvider services, AppIo io)
    {
        var channel = ChannelOption(required: true);
        var topics = new Option<string>("--topics") { Description = "Comma-separated topics and/or arXiv categories", Required = true };
        var time = new Option<string?>("--time") { Description = "Time of day HH:mm (default 08:00)" };
        var zone = new Option<string?>("--timezone") { Description = "IANA time zone (default UTC)" };
        var cron = new Option<string?>("--cron") { Description = "A cron schedule instead of --time, e.g. \"0 8 * * 1-5\"" };
        var max = new Option<int?>("--max") { Description = "Papers per digest (1-20, default 8)" };
        var minScore = new Option<double?>("--min-score") { Description = "Drop papers scoring below this (0-10, default 4)" };
        var guild = new Option<string?>("--guild") { Description = "The server id (shown by /digest list in that server)" };
        var command = new Command("subscribe", "Subscribe a channel to a daily digest (or change its subscription).") { channel, topics, time, zone, cron, max, minScore, guild };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var subscription = await services.GetRequiredService<DigestSubscriptions>().SubscribeAsync(
                new SubscribeRequest(parse.GetValue(guild), parse.GetValue(channel)!, parse.GetValue(topics), parse.GetValue(time),
                    parse.GetValue(zone), parse.GetValue(cron), parse.GetValue(max), parse.GetValue(minScore), "cli"), ct);
            var next = DigestSchedule.Next(subscription, TimeProvider.System.GetUtcNow());
            await io.Out.WriteLineAsync(
                $"Channel {subscription.ChannelId}: \"{subscription.Topics}\", cron \"{subscription.Cron}\" in {subscription.TimeZone}, "
                + $"up to {subscription.MaxPapers} papers, min score {subscription.MinScore.ToString("0.#", CultureInfo.InvariantCulture)}; next {next:yyyy-MM-dd HH:mm} UTC.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command ListCommand(IServiceProvider services, AppIo io)
    {
        var command = new Command("list", "All subscriptions with their schedule, next run, last result and votes.");
        command.SetAction((_, ct) => CliRunner.RunAsync(io, async () =>
        {
            var store = services.GetRequiredService<IDigestStore>();
            var all = await store.ListSubscriptionsAsync(null, ct);
            if (all.Count == 0)
            {
                await io.Out.WriteLineAsync("No subscriptions. Add one with 'paperbot digest subscribe --channel ID --topics \"…\"'.");
                return ExitCodes.Ok;
            }

            foreach (var s in all)
            {
                var votes = (await store.GetVotesAsync(s.ChannelId, ct)).Count;
                var next = s.PausedReason is null ? DigestSchedule.Next(s, TimeProvider.System.GetUtcNow()) : null;
                var nextText = next is { } n ? n.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "-";
                var paused = s.PausedReason is null ? "" : "\tPAUSED: " + s.PausedReason;
                await io.Out.WriteLineAsync(FormattableString.Invariant(
                    $"{s.ChannelId}\t{s.Topics}\t{s.Cron} {s.TimeZone}\tmax {s.MaxPapers}\tnext {nextText}\tlast {s.LastResult ?? "not run yet"}\t{votes} voted{paused}"));
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command UnsubscribeCommand(IServiceProvider services, AppIo io)
    {
        var channel = ChannelOption(required: true);
        var command = new Command("unsubscribe", "Stop a channel's digest.") { channel };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var id = parse.GetValue(channel)!;
            if (!await services.GetRequiredService<IDigestStore>().RemoveSubscriptionAsync(id, ct))
            {
                throw new UserFacingException($"No subscription for channel {id}. 'paperbot digest list' shows them.");
            }

            await io.Out.WriteLineAsync($"Stopped the digest of channel {id}.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command RunCommand(IServiceProvider services, AppIo io)
    {
        var channel = ChannelOption(required: true);
        var command = new Command("run", "Post a subscription's digest now through Discord's REST API (exactly once, like the schedule).") { channel };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            if (string.IsNullOrWhiteSpace(services.GetRequiredService<IConfiguration>()["Discord:Token"]))
            {
                throw new UserFacingException("Posting needs the bot token: set Discord__Token (environment) or the Discord:Token user secret. 'paperbot digest preview' works without one.");
            }

            var id = parse.GetValue(channel)!;
            var subscription = await services.GetRequiredService<IDigestStore>().GetSubscriptionAsync(id, ct)
                ?? throw new UserFacingException($"No subscription for channel {id}. 'paperbot digest list' shows them.");
            await LibraryCommands.EnsureSeededAsync(services, io, ct);
            var runner = services.GetRequiredService<DigestRunner>();
            var outcome = await runner.RunAsync(subscription, runner.ManualOccurrenceKey(), ct);
            switch (outcome.Status)
            {
                case DigestRunStatus.Paused:
                    await io.Error.WriteLineAsync($"error: channel {id}: {outcome.Detail}; the subscription is paused until it is subscribed again.");
                    return ExitCodes.Failed;
                case DigestRunStatus.AlreadyClaimed:
                    await io.Out.WriteLineAsync($"Channel {id}: a digest was posted this minute already ({outcome.Detail}); not posting twice.");
                    return ExitCodes.Ok;
                default:
                    await io.Out.WriteLineAsync($"Channel {id}: {outcome.Detail} (messages {string.Join(", ", outcome.MessageIds)}).");
                    return ExitCodes.Ok;
            }
        }, ct));
        return command;
    }

    private static DateTimeOffset? ParseDate(string? text) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
        : throw new UserFacingException($"--since: '{text}' is not a date; use YYYY-MM-DD.");

    /// <summary>The digest as terminal text (also used by the console's /digest preview).</summary>
    internal static string Render(Digest digest)
    {
        var text = new System.Text.StringBuilder();
        if (digest.Parts.Count == 0 || digest.Entries.Count == 0)
        {
            text.AppendLine(digest.Parts.Count > 0 ? digest.Parts[0].Header : "Nothing relevant (and no post on such days).");
        }
        else
        {
            text.AppendLine(digest.Parts[0].Header?.Replace("**", "", StringComparison.Ordinal).Replace("*", "\"", StringComparison.Ordinal));
        }

        var rank = 0;
        foreach (var entry in digest.Entries)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{++rank}. {entry.Title}  [score {entry.Score:0.#}/10]");
            text.AppendLine(CultureInfo.InvariantCulture, $"   {entry.Link}");
            if (entry.Authors.Length > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   {entry.Authors}");
            }

            text.AppendLine(entry.BlurbMode == BlurbMode.Extractive
                ? $"   “{entry.Blurb}” (key sentence from the abstract)"
                : $"   {entry.Blurb}");
            text.AppendLine(CultureInfo.InvariantCulture, $"   why: {entry.Reason}");
        }

        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"{digest.Candidates} candidate papers, ranked by {(digest.ModelScored ? "the model" : "embedding similarity")}.");
        return text.ToString();
    }

    private static string ToJson(Digest digest) => JsonSerializer.Serialize(new
    {
        topics = digest.Topics,
        candidates = digest.Candidates,
        rankedBy = digest.ModelScored ? "model" : "similarity",
        entries = digest.Entries.Select((e, i) => new
        {
            rank = i + 1,
            id = e.PaperId,
            title = e.Title,
            link = e.Link,
            authors = e.Authors,
            score = e.Score,
            similarity = e.Similarity,
            reason = e.Reason,
            blurb = e.Blurb,
            blurbMode = e.BlurbMode == BlurbMode.Extractive ? "extractive" : "generated",
        }),
    });
}
