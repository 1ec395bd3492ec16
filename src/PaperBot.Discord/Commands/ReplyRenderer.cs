using System.Globalization;
using System.Text;
using PaperBot.Core.Assistant;
using PaperBot.Core.Commands;
using PaperBot.Core.Search;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Commands;

/// <summary>Renders assistant and search results as Discord messages (embeds); the splitter enforces limits afterwards.</summary>
internal static class ReplyRenderer
{
    private const int Generated = 0x3B82F6;
    private const int Extractive = 0xF59E0B;
    private const int Abstained = 0x9CA3AF;
    private const int Neutral = 0x10B981;

    public static DiscordMessage Answer(string question, AssistantAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var fields = new List<EmbedField>();
        if (answer.Citations.Count > 0)
        {
            fields.Add(new EmbedField("Sources", string.Join('\n',
                answer.Citations.OrderBy(c => c.N).Select(c => $"[{c.N}] {Link(c.Title, c.Link)} `{c.PaperId}`"))));
        }

        if (answer.NearestPapers.Count > 0)
        {
            fields.Add(new EmbedField(answer.Mode == AnswerMode.Abstained ? "Closest papers in the library" : "Related papers",
                string.Join('\n', answer.NearestPapers.Select(p => $"• {Link(p.Title, p.Link)} `{p.PaperId}`"))));
        }

        var embed = new DiscordEmbed
        {
            AuthorName = "Q: " + OneLine(question),
            Description = string.IsNullOrWhiteSpace(answer.Text) ? "(no answer text)" : answer.Text,
            Fields = fields,
            Footer = ModeLabel(answer.Mode),
            Color = ModeColor(answer.Mode),
        };
        return new DiscordMessage(null, [embed]);
    }

    public static DiscordMessage Search(string query, IReadOnlyList<SearchHit> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var fields = hits.Select((hit, i) => new EmbedField(
            $"{i + 1}. {OneLine(hit.Paper.Title)}",
            $"`{hit.Paper.Id}`" + (hit.Paper.Link is { } link ? $" · [open]({link})" : "")
            + string.Create(CultureInfo.InvariantCulture, $" · similarity {hit.Similarity:0.00}")
            + "\n" + MessageSplitter.Truncate(OneLine(hit.BestPassage.Text), 300))).ToList();
        var embed = new DiscordEmbed
        {
            Title = $"Search: {OneLine(query)}",
            Description = $"{hits.Count} paper(s). Use /summarize with an id for more.",
            Fields = fields,
            Color = Neutral,
        };
        return new DiscordMessage(null, [embed]);
    }

    public static DiscordMessage Summary(SummaryResult summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var embed = new DiscordEmbed
        {
            Title = OneLine(summary.Title),
            Url = summary.Link,
            Description = summary.Text,
            Footer = $"{summary.Level.ToString().ToLowerInvariant()} summary of {summary.PaperId} · {ModeLabel(summary.Mode)}"
                     + (summary.FromCache ? " · cached" : ""),
            Color = ModeColor(summary.Mode),
        };
        return new DiscordMessage(null, [embed]);
    }

    /// <summary>The message with a one-line italic note after the first embed's text (kept within the embed limit).</summary>
    public static DiscordMessage WithNote(DiscordMessage message, string note)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(note);
        if (message.Embeds is not { Count: > 0 } embeds)
        {
            return message with { Content = $"{message.Content}\n\n*{note}*".Trim() };
        }

        var suffix = $"\n\n*{note}*";
        var description = MessageSplitter.Truncate(embeds[0].Description ?? "", MessageLimits.EmbedDescription - suffix.Length) + suffix;
        return message with { Embeds = [embeds[0] with { Description = description }, .. embeds.Skip(1)] };
    }

    public static DiscordMessage Comparison(ComparisonResult comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var papers = new StringBuilder();
        for (var i = 0; i < comparison.Papers.Count; i++)
        {
            var paper = comparison.Papers[i];
            papers.Append(CultureInfo.InvariantCulture, $"**[{i + 1}]** {Link(paper.Title, paper.Link)} `{paper.PaperId}`\n");
        }

        if (!string.IsNullOrWhiteSpace(comparison.KeyDifferences))
        {
            papers.Append("\n**Key differences**\n").Append(comparison.KeyDifferences);
        }

        var fields = comparison.Rows.Select(row => new EmbedField(
            row.Aspect,
            string.Join('\n', row.Cells.Select((cell, i) => $"**[{i + 1}]** {(string.IsNullOrWhiteSpace(cell) ? "—" : cell.Trim())}")))).ToList();
        var embed = new DiscordEmbed
        {
            Title = $"Comparison of {comparison.Papers.Count} papers",
            Description = papers.ToString(),
            Fields = fields,
            Footer = ModeLabel(comparison.Mode),
            Color = ModeColor(comparison.Mode),
        };
        return new DiscordMessage(null, [embed]);
    }

    public static DiscordMessage Help(IReadOnlyList<CommandSpec> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var fields = commands.Select(c => c.Subcommands is { Count: > 0 } subcommands
            ? new EmbedField("/" + c.Name, c.Description + string.Concat(subcommands.Select(sub => $"\n• `{sub.Name}`: {sub.Description}")))
            : new EmbedField(
                "/" + c.Name + string.Concat(c.Options.Select(o => o.Required ? $" {o.Name}" : $" [{o.Name}]")),
                c.Description + string.Concat(c.Options.Select(o => $"\n• `{o.Name}`: {o.Description}")))).ToList();
        var embed = new DiscordEmbed
        {
            Title = "PaperBot",
            Description = "A research assistant over the paper library. Answers cite their sources and say how they were made: "
                          + "generated (by the model from retrieved passages), extractive (key sentences, no model) or abstained.",
            Fields = fields,
            Color = Neutral,
        };
        return new DiscordMessage(null, [embed], Ephemeral: true);
    }

    public static string ModeLabel(AnswerMode mode) => mode switch
    {
        AnswerMode.Generated => "Mode: generated",
        AnswerMode.Extractive => "Mode: extractive (no model)",
        AnswerMode.Abstained => "Mode: abstained (the library does not cover this)",
        _ => $"Mode: {mode}",
    };

    private static int ModeColor(AnswerMode mode) => mode switch
    {
        AnswerMode.Generated => Generated,
        AnswerMode.Extractive => Extractive,
        _ => Abstained,
    };

    /// <summary>A Markdown link, with brackets in the title escaped so they cannot break it.</summary>
    private static string Link(string title, string? link)
    {
        var text = OneLine(title).Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
        return link is null ? text : $"[{text}]({link})";
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
