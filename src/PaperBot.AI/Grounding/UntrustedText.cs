using System.Globalization;
using System.Text;
using PaperBot.Core.Library;

namespace PaperBot.AI.Grounding;

/// <summary>
/// Paper text is untrusted: it goes into prompts only inside our own delimiters, and with angle
/// brackets replaced so that it can neither close a delimiter nor open a chat-message tag.
/// </summary>
internal static class UntrustedText
{
    /// <summary>Replaces the characters that could forge markup with look-alikes and normalizes whitespace.</summary>
    public static string Neutralize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '<' => '‹',
                '>' => '›',
                _ when char.IsControl(c) && c is not '\n' and not '\t' => ' ',
                _ => c,
            });
        }

        return builder.ToString().Trim();
    }

    /// <summary>One numbered passage for the Answer prompt.</summary>
    public static string Passage(int n, Paper paper, string text) =>
        string.Create(CultureInfo.InvariantCulture,
            $"<passage n=\"{n}\" paper=\"{Neutralize(paper.Id)}\" title=\"{Neutralize(paper.Title).Replace('"', '\'')}\">\n{Neutralize(text)}\n</passage>");

    /// <summary>One paper for the Summarize and Compare prompts.</summary>
    public static string PaperBlock(Paper paper, string body) =>
        $"<paper id=\"{Neutralize(paper.Id)}\">\nTitle: {Neutralize(paper.Title)}\n{Neutralize(body)}\n</paper>";
}
