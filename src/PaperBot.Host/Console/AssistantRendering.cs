using System.Text;
using System.Text.Json;
using PaperBot.Core.Assistant;
using Spectre.Console;

namespace PaperBot.Host.Interactive;

/// <summary>How assistant results look in the terminal and as <c>--json</c>; shared by the CLI verbs and the console.</summary>
internal static class AssistantRendering
{
    public static string ModeName(AnswerMode mode) => mode.ToString().ToLowerInvariant();

    public static string LevelName(SummaryLevel level) => level.ToString().ToLowerInvariant();

    public static string Sources(AssistantAnswer answer)
    {
        if (answer.Citations.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder("Sources:");
        foreach (var c in answer.Citations)
        {
            text.Append("\n  [").Append(c.N).Append("] ").Append(c.Title).Append(" (").Append(c.PaperId).Append(')');
            if (c.Link is not null)
            {
                text.Append(' ').Append(c.Link);
            }
        }

        return text.ToString();
    }

    public static string Summary(SummaryResult summary) =>
        $"{summary.Title} ({summary.PaperId}) · {LevelName(summary.Level)} · {ModeName(summary.Mode)}{(summary.FromCache ? " · cached" : "")}\n\n{summary.Text}";

    public static void WriteComparison(IAnsiConsole console, ComparisonResult comparison)
    {
        var table = new Table().Border(TableBorder.Rounded).ShowRowSeparators();
        table.AddColumn("Aspect");
        foreach (var paper in comparison.Papers)
        {
            table.AddColumn(Markup.Escape($"{paper.Title} ({paper.PaperId})"));
        }

        foreach (var row in comparison.Rows)
        {
            table.AddRow([Markup.Escape(row.Aspect), .. row.Cells.Select(Markup.Escape)]);
        }

        console.Write(table);
        console.WriteLine();
        console.WriteLine($"Key differences ({ModeName(comparison.Mode)}):");
        console.WriteLine(comparison.KeyDifferences);
    }

    public static string AnswerJson(AssistantAnswer answer) => JsonSerializer.Serialize(new
    {
        answer = answer.Text,
        mode = ModeName(answer.Mode),
        citations = answer.Citations.Select(c => new { n = c.N, id = c.PaperId, title = c.Title, link = c.Link }),
        nearest_papers = answer.NearestPapers.Select(p => new { id = p.PaperId, title = p.Title, link = p.Link, score = Math.Round(p.Score, 4) }),
    });

    public static string SummaryJson(SummaryResult summary) => JsonSerializer.Serialize(new
    {
        id = summary.PaperId,
        title = summary.Title,
        link = summary.Link,
        level = LevelName(summary.Level),
        mode = ModeName(summary.Mode),
        summary = summary.Text,
        from_cache = summary.FromCache,
    });

    public static string ComparisonJson(ComparisonResult comparison) => JsonSerializer.Serialize(new
    {
        mode = ModeName(comparison.Mode),
        papers = comparison.Papers.Select(p => new { id = p.PaperId, title = p.Title, link = p.Link }),
        rows = comparison.Rows.Select(r => new { aspect = r.Aspect, cells = r.Cells }),
        key_differences = comparison.KeyDifferences,
    });

    /// <summary>tldr (default), detailed or eli5; anything else is a user error.</summary>
    public static SummaryLevel ParseLevel(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "tldr" => SummaryLevel.Tldr,
        "detailed" => SummaryLevel.Detailed,
        "eli5" => SummaryLevel.Eli5,
        _ => throw new PaperBot.Core.UserFacingException($"level must be tldr, detailed or eli5 (got '{text}')."),
    };
}
