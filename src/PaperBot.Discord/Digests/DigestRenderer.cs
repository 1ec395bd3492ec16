using System.Globalization;
using PaperBot.Core.Digests;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Digests;

/// <summary>
/// Renders digest parts as Discord messages: one embed per paper (title as a link, authors, blurb, why it
/// matched, score) and, on posted digests, one 👍/👎 row per paper whose custom ids name the run and the
/// entry, so votes work in any process and after restarts.
/// </summary>
internal static class DigestRenderer
{
    public const int Color = 0x2B6CB0;
    public const string VotePrefix = "digest";
    private const int BlurbLimit = 700;

    /// <summary>One posted part; <paramref name="marker"/>'s tag is written small under the header so the part can be found again.</summary>
    public static DiscordMessage Part(DigestPart part, long runId, DigestMarker marker)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(marker);
        var offset = (part.Index - 1) * Digest.EntriesPerPart;
        var footer = part.Total > 1 ? $"-# part {part.Index}/{part.Total} · {marker.Tag}" : $"-# {marker.Tag}";
        var content = string.IsNullOrWhiteSpace(part.Header) ? footer : part.Header + "\n" + footer;
        return new DiscordMessage(content, [.. part.Entries.Select((e, i) => Entry(e, offset + i + 1))])
        {
            Components = [.. part.Entries.Select((e, i) => VoteRow(runId, offset + i))],
        };
    }

    /// <summary>A whole digest for an ephemeral preview (no buttons: nothing was posted to vote on).</summary>
    public static DiscordMessage Preview(Digest digest, string? note)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var header = digest.Parts.Count == 0
            ? "Nothing relevant, and this bot is set to post nothing on such days."
            : digest.Parts[0].Header ?? "";
        var summary = $"-# Preview · {digest.Candidates} candidate papers · ranked by {(digest.ModelScored ? "the model" : "similarity")}"
            + (digest.Votes > 0 ? $" · {digest.Votes} voted papers shape the profile" : "")
            + (note is null ? "" : " · " + note);
        return new DiscordMessage(header + "\n" + summary, [.. digest.Entries.Select((e, i) => Entry(e, i + 1))], Ephemeral: true);
    }

    public static DiscordEmbed Entry(DigestEntry entry, int number)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var blurb = entry.Blurb.Length <= BlurbLimit ? entry.Blurb : entry.Blurb[..(BlurbLimit - 1)] + "…";
        var description = entry.BlurbMode == BlurbMode.Extractive
            ? $"> {blurb}\n-# key sentence from the abstract"
            : blurb;
        var fields = new List<EmbedField>();
        if (entry.Authors.Length > 0)
        {
            fields.Add(new EmbedField("Authors", Cut(entry.Authors, 300), Inline: true));
        }

        fields.Add(new EmbedField("Score", entry.Score.ToString("0.#", CultureInfo.InvariantCulture) + "/10", Inline: true));
        if (entry.Reason.Length > 0)
        {
            fields.Add(new EmbedField("Why it matched", Cut(entry.Reason, 400)));
        }

        return new DiscordEmbed
        {
            Title = Cut($"{number}. {entry.Title}", 256),
            Url = entry.Link,
            Description = description,
            Color = Color,
            Fields = fields,
        };
    }

    /// <summary>custom_id: <c>digest:vote:{run}:{entry}:{up|down}</c>.</summary>
    public static string VoteId(long runId, int entryIndex, bool up) =>
        string.Create(CultureInfo.InvariantCulture, $"{VotePrefix}:vote:{runId}:{entryIndex}:{(up ? "up" : "down")}");

    private static ActionRow VoteRow(long runId, int entryIndex) => new(
    [
        new Button($"More like #{entryIndex + 1}", VoteId(runId, entryIndex, up: true), ButtonStyle.Secondary, Emoji: "👍"),
        new Button($"Less like #{entryIndex + 1}", VoteId(runId, entryIndex, up: false), ButtonStyle.Secondary, Emoji: "👎"),
    ]);

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
