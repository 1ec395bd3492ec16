using System.Text.RegularExpressions;

namespace PaperBot.AI.Extractive;

/// <summary>Splits abstracts and paper text into sentences, keeping abbreviations such as "e.g." and "et al." intact.</summary>
internal static partial class SentenceSplitter
{
    private const int MinimumLength = 20;
    private const int MaximumLength = 600;

    private static readonly string[] Abbreviations = ["e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "eq.", "sec.", "cf.", "approx.", "no."];

    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = new List<string>();
        var pending = "";
        foreach (var piece in BoundaryRegex().Split(WhitespaceRegex().Replace(text, " ").Trim()))
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
        return sentences;
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
}
