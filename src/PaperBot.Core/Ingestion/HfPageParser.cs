using System.Text.RegularExpressions;
using PaperBot.Core.Library;

namespace PaperBot.Core.Ingestion;

/// <summary>
/// Reads a Hugging Face papers page saved as text: a header (site chrome ending in a date line such as
/// "Mar 12"), then each paper as a title paragraph followed by an abstract paragraph.
/// </summary>
internal static partial class HfPageParser
{
    private const int MaxTitleLength = 300;
    private const int MaxHeaderParagraphs = 12;
    private const int MinAbstractWords = 8;

    public static ParsedInput Parse(string text, string name)
    {
        var paragraphs = SplitParagraphs(text);
        var start = FindFirstPaper(paragraphs);
        if (start < 0)
        {
            throw new IngestException($"{name}: no papers found: expected title paragraphs each followed by an abstract paragraph.");
        }

        var records = new List<IngestRecord>();
        var skipped = new List<SkippedRecord>();
        var i = start;
        while (i < paragraphs.Count)
        {
            var (line, title) = paragraphs[i];
            var position = $"line {line}";
            if (!LooksLikeTitle(title))
            {
                skipped.Add(new SkippedRecord(position, "no title (a long paragraph where a title was expected)"));
                i++;
                continue;
            }

            var hasAbstract = i + 1 < paragraphs.Count && !LooksLikeTitle(paragraphs[i + 1].Text);
            var abstractText = hasAbstract ? paragraphs[i + 1].Text : null;
            records.Add(new IngestRecord(position, null, 0, title, [], abstractText, null, [], null, null));
            i += hasAbstract ? 2 : 1;
        }

        return new ParsedInput(IngestFormat.HfPage, records, skipped);
    }

    private static int FindFirstPaper(List<(int Line, string Text)> paragraphs)
    {
        // The page header ends with the listing's date; without one, the first title/abstract pair starts the papers.
        for (var i = 0; i < Math.Min(MaxHeaderParagraphs, paragraphs.Count); i++)
        {
            if (DateLineRegex().IsMatch(paragraphs[i].Text))
            {
                return i + 1 < paragraphs.Count ? i + 1 : -1;
            }
        }

        for (var i = 0; i + 1 < paragraphs.Count; i++)
        {
            if (LooksLikeTitle(paragraphs[i].Text) && !LooksLikeTitle(paragraphs[i + 1].Text))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Titles are one short line; abstracts are prose: several sentences, or one long one ending in a period.</summary>
    private static bool LooksLikeTitle(string paragraph) =>
        paragraph.Length <= MaxTitleLength
        && !paragraph.Contains('\n', StringComparison.Ordinal)
        && !(paragraph.EndsWith('.') && paragraph.Split(' ').Length >= MinAbstractWords);

    private static List<(int Line, string Text)> SplitParagraphs(string text)
    {
        var result = new List<(int, string)>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new List<string>();
        var startLine = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i].Trim() : "";
            if (line.Length == 0)
            {
                if (current.Count > 0)
                {
                    result.Add((startLine, string.Join('\n', current)));
                    current.Clear();
                }

                continue;
            }

            if (current.Count == 0)
            {
                startLine = i + 1;
            }

            current.Add(line);
        }

        return result;
    }

    [GeneratedRegex(@"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(, \d{4})?$")]
    private static partial Regex DateLineRegex();

    internal static string Normalize(string text) => PaperIds.NormalizeWhitespace(text);
}
