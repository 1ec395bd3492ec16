using System.Text.RegularExpressions;

namespace PaperBot.AI.Extractive;

/// <summary>
/// Splits abstracts and paper text into sentences, keeping abbreviations such as "e.g." and "et al." intact.
/// A paragraph break (a blank line) always ends a sentence, so a heading never runs into the text after it.
/// </summary>
internal static partial class SentenceSplitter
{
    private const int MinimumLength = 20;
    private const int MaximumLength = 600;

    private static readonly string[] Abbreviations = ["e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "eq.", "sec.", "cf.", "approx.", "no."];

    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = new List<string>();
        foreach (var paragraph in ParagraphBreakRegex().Split(text))
        {
            SplitParagraph(WhitespaceRegex().Replace(paragraph, " ").Trim(), sentences);
        }

        return sentences;
    }

    private static void SplitParagraph(string paragraph, List<string> sentences)
    {
        var pending = "";
        foreach (var piece in BoundaryRegex().Split(paragraph))
        {
            pending = pending.Length == 0 ? piece : pending + " " + piece;
            if (Abbreviations.Any(a => pending.EndsWith(a, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            Add(sentences, pending);
            pending = "";
        }

        Add(sentences, pending);
    }

    private static void Add(List<string> sentences, string sentence)
    {
        sentence = sentence.Trim();
        if (sentence.Length < MinimumLength)
        {
            return;
        }

        sentences.Add(sentence.Length <= MaximumLength ? sentence : sentence[..MaximumLength].TrimEnd() + " …");
    }

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z0-9""“(\[])")]
    private static partial Regex BoundaryRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();

    [GeneratedRegex(@"\n[ \t\r]*\n")]
    private static partial Regex ParagraphBreakRegex();
}
