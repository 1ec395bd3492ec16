using Microsoft.ML.Tokenizers;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Grounding;

/// <summary>A passage given to the model as <c>[N]</c>.</summary>
internal sealed record NumberedPassage(int N, Paper Paper, Passage Passage, string Text, double Similarity);

/// <summary>The passages that fit the budget, numbered from 1, and their delimited prompt text.</summary>
internal sealed record PackedPassages(IReadOnlyList<NumberedPassage> Passages, string PromptText, int Tokens);

/// <summary>
/// Packs retrieved passages, best first, under a token budget measured with the model family's
/// tokenizer; the last one that does not fit whole is cut at a token boundary if enough room is left.
/// </summary>
internal sealed class PassagePacker(Tokenizer tokenizer)
{
    private const int MinimumUsefulTokens = 48;

    public int CountTokens(string text) => tokenizer.CountTokens(text);

    /// <summary>The longest prefix of <paramref name="text"/> within <paramref name="maxTokens"/> tokens.</summary>
    public string Truncate(string text, int maxTokens) => text[..tokenizer.GetIndexByTokenCount(text, maxTokens, out _, out _)];

    public PackedPassages Pack(IEnumerable<PassageHit> hits, int tokenBudget)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var packed = new List<NumberedPassage>();
        var blocks = new List<string>();
        var used = 0;
        var seen = new HashSet<(string, int)>();

        foreach (var hit in hits)
        {
            if (!seen.Add((hit.Paper.Id, hit.Passage.ChunkIndex)) || string.IsNullOrWhiteSpace(hit.Passage.Text))
            {
                continue;
            }

            var n = packed.Count + 1;
            var text = hit.Passage.Text.Trim();
            var block = UntrustedText.Passage(n, hit.Paper, text);
            var tokens = tokenizer.CountTokens(block) + 1; // the joining newline
            if (used + tokens > tokenBudget)
            {
                var room = tokenBudget - used - (tokens - tokenizer.CountTokens(text));
                if (room < MinimumUsefulTokens)
                {
                    break;
                }

                var cut = tokenizer.GetIndexByTokenCount(text, room - 2, out _, out _);
                text = text[..cut].TrimEnd() + " …";
                block = UntrustedText.Passage(n, hit.Paper, text);
                tokens = tokenizer.CountTokens(block) + 1;
                if (used + tokens > tokenBudget)
                {
                    break;
                }
            }

            packed.Add(new NumberedPassage(n, hit.Paper, hit.Passage, text, hit.Similarity));
            blocks.Add(block);
            used += tokens;
        }

        return new PackedPassages(packed, string.Join('\n', blocks), used);
    }
}
