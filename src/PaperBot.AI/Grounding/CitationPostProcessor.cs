using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Assistant;

namespace PaperBot.AI.Grounding;

/// <summary>An answer text with its citations checked against the supplied passages.</summary>
internal sealed record CitedText(string Text, IReadOnlyList<Citation> Citations, IReadOnlyList<int> Removed);

/// <summary>
/// Every <c>[n]</c> in a model answer must map to a supplied passage: unknown numbers are removed
/// (and logged); the citations returned are those the text actually uses.
/// </summary>
internal sealed partial class CitationPostProcessor(ILogger<CitationPostProcessor> logger)
{
    public CitedText Process(string text, IReadOnlyList<NumberedPassage> passages)
    {
        ArgumentNullException.ThrowIfNull(text);
        var byNumber = passages.ToDictionary(p => p.N);
        var used = new SortedSet<int>();
        var removed = new List<int>();

        var cleaned = CitationGroupRegex().Replace(text, match =>
        {
            var kept = new List<int>();
            foreach (var part in match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && byNumber.ContainsKey(n))
                {
                    kept.Add(n);
                    used.Add(n);
                }
                else
                {
                    removed.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var bad) ? bad : -1);
                }
            }

            return kept.Count == 0 ? "" : string.Concat(kept.Select(n => $"[{n}]"));
        });

        if (removed.Count > 0)
        {
            // Removing a citation can leave "word ." or a double space behind.
            cleaned = SpaceBeforePunctuationRegex().Replace(cleaned, "$1");
            cleaned = DoubleSpaceRegex().Replace(cleaned, " ").Trim();
            logger.LogWarning("Removed {Count} citation(s) to passages that were not supplied: {Numbers} (supplied 1..{Supplied})",
                removed.Count, string.Join(", ", removed), passages.Count);
        }

        var citations = used
            .Select(n => byNumber[n])
            .Select(p => new Citation(p.N, p.Paper.Id, p.Paper.Title, p.Paper.Link) { Excerpt = p.Passage.Text })
            .ToList();
        return new CitedText(cleaned, citations, removed);
    }

    [GeneratedRegex(@"\[(\s*\d+\s*(?:,\s*\d+\s*)*)\]")]
    private static partial Regex CitationGroupRegex();

    [GeneratedRegex(@"(?<=\S)[ \t]+([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuationRegex();

    [GeneratedRegex(@"(?<=\S)[ \t]{2,}(?=\S)")]
    private static partial Regex DoubleSpaceRegex();
}
