using System.Globalization;
using PaperBot.Core.Conversations;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Answers;

/// <summary>
/// The buttons under an answer. Their custom ids carry the action and the answer's id in the library
/// (<c>answer:&lt;action&gt;:&lt;id&gt;</c>), so they work after a restart and in any process on the same library.
/// </summary>
internal static class AnswerComponents
{
    public const string Prefix = "answer";
    public const string Sources = "src";
    public const string Summarize = "sum";
    public const string Compare = "cmp";
    public const string FollowUp = "fu";
    public const string FollowUpModal = "fum";
    public const string ContinueInThread = "thr";
    public const string QuestionInput = "question";
    public const int MinQuestion = 3;
    public const int MaxQuestion = 1000;

    public static string CustomId(string action, long answerId) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}:{action}:{answerId}");

    /// <summary>Reads <c>answer:&lt;action&gt;:&lt;id&gt;</c>; null when the id is not one of ours.</summary>
    public static (string Action, long AnswerId)? Parse(string? customId)
    {
        var parts = (customId ?? "").Split(':');
        return parts.Length == 3 && parts[0] == Prefix && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? (parts[1], id)
            : null;
    }

    /// <summary>Distinct cited papers, in citation order.</summary>
    public static IReadOnlyList<string> CitedPapers(StoredAnswer answer) =>
        answer.Citations.OrderBy(c => c.N).Select(c => c.PaperId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The answer message with its buttons: Sources, Compare cited (2–5 papers), Follow up, Continue in thread, and a Summarize select.</summary>
    public static DiscordMessage Render(StoredAnswer answer, bool offerThread, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var assistantAnswer = new PaperBot.Core.Assistant.AssistantAnswer(
            note is null ? answer.Text : $"{answer.Text}\n\n*{note}*", answer.Mode, answer.Citations, []);
        var message = ReplyRenderer.Answer(answer.Question, assistantAnswer);
        var buttons = new List<MessageComponent>();
        if (answer.Citations.Count > 0)
        {
            buttons.Add(new Button("Sources", CustomId(Sources, answer.Id), ButtonStyle.Secondary, "📚"));
        }

        var papers = CitedPapers(answer);
        if (papers.Count is >= 2 and <= 5)
        {
            buttons.Add(new Button("Compare cited", CustomId(Compare, answer.Id), ButtonStyle.Secondary, "⚖️"));
        }

        buttons.Add(new Button("Follow up", CustomId(FollowUp, answer.Id), ButtonStyle.Primary, "💬"));
        if (offerThread)
        {
            buttons.Add(new Button("Continue in thread", CustomId(ContinueInThread, answer.Id), ButtonStyle.Secondary, "🧵"));
        }

        var rows = new List<ActionRow> { new(buttons) };
        if (papers.Count > 0)
        {
            var options = answer.Citations.OrderBy(c => c.N).DistinctBy(c => c.PaperId)
                .Take(SelectMenu.MaxOptions)
                .Select(c => new SelectOption(MessageSplitter.Truncate($"#{c.N} {c.Title}", 100), c.PaperId, c.PaperId))
                .ToList();
            rows.Add(new ActionRow([new SelectMenu(CustomId(Summarize, answer.Id), "Summarize #n…", options)]));
        }

        return message with { Components = rows };
    }
}
