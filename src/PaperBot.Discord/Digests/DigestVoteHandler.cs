using System.Globalization;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Digests;

/// <summary>
/// The 👍/👎 buttons under digest entries (<c>digest:vote:{run}:{entry}:{up|down}</c>). The paper comes from
/// the run's stored plan and the vote is stored per channel and user (a second click replaces the first), so
/// the buttons work after a restart and in any process. Votes move the channel's topic profile.
/// </summary>
internal sealed class DigestVoteHandler(
    DigestRunner runner, IDigestStore store, IPaperStore library, InteractionResponder responder, TimeProvider time, ILogger<DigestVoteHandler> logger)
    : IComponentHandler
{
    public string Prefix => DigestRenderer.VotePrefix;

    public async Task HandleAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var parts = (interaction.CustomId ?? "").Split(':');
        if (parts is not [_, "vote", var runText, var indexText, var direction and ("up" or "down")]
            || !long.TryParse(runText, NumberStyles.None, CultureInfo.InvariantCulture, out var runId)
            || !int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || interaction.ChannelId is null || interaction.UserId is null)
        {
            logger.LogWarning("Unknown digest component {CustomId}", interaction.CustomId);
            await responder.ReplyAsync(interaction, DiscordMessage.Text("This button is not one PaperBot knows.", ephemeral: true), cancellationToken);
            return;
        }

        var paperId = await runner.PaperOfEntryAsync(runId, index, cancellationToken);
        var paper = paperId is null ? null : await library.GetAsync(paperId, cancellationToken);
        if (paper is null)
        {
            await responder.ReplyAsync(interaction, DiscordMessage.Text("That paper is no longer in the library, so the vote was not counted.", ephemeral: true), cancellationToken);
            return;
        }

        var up = direction == "up";
        await store.RecordVoteAsync(interaction.ChannelId, paper.Id, interaction.UserId, up ? 1 : -1, time.GetUtcNow(), cancellationToken);
        var voted = (await store.GetVotesAsync(interaction.ChannelId, cancellationToken)).Count;
        var text = up
            ? $"👍 Noted: this channel's digests will favour papers like “{paper.Title}”."
            : $"👎 Noted: this channel's digests will show fewer papers like “{paper.Title}”.";
        await responder.ReplyAsync(
            interaction,
            DiscordMessage.Text($"{text}\n-# {voted} voted paper{(voted == 1 ? "" : "s")} shape this channel's ranking. Click the other button to change your vote.", ephemeral: true),
            cancellationToken);
    }
}
