using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PaperBot.Core.Library;

/// <summary>Paper id rules: arXiv ids without version, otherwise a slug of the normalized title.</summary>
public static partial class PaperIds
{
    private const int MaxSlugLength = 80;

    /// <summary>True for a versionless arXiv id, new style (<c>2305.07759</c>) or old style (<c>hep-th/9901001</c>).</summary>
    public static bool IsArxivId(string id) => ArxivIdRegex().IsMatch(id);

    /// <summary>
    /// Splits an arXiv id or URL into the versionless id and the version (0 when absent).
    /// Accepts <c>2305.07759v2</c>, <c>arXiv:2305.07759</c>, <c>http://arxiv.org/abs/2305.07759v1</c>.
    /// </summary>
    public static bool TryParseArxiv(string? text, out string id, out int version)
    {
        id = "";
        version = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = ArxivAnywhereRegex().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }

        id = match.Groups["id"].Value;
        version = match.Groups["v"].Success ? int.Parse(match.Groups["v"].Value, CultureInfo.InvariantCulture) : 0;
        return true;
    }

    /// <summary>Collapses runs of whitespace (line breaks included) to one space and trims.</summary>
    public static string NormalizeWhitespace(string text) => WhitespaceRegex().Replace(text, " ").Trim();

    /// <summary>A stable slug of a title: lower case ASCII letters and digits joined by hyphens.</summary>
    public static string SlugFromTitle(string title)
    {
        var decomposed = NormalizeWhitespace(title).Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var lastWasHyphen = true;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                lastWasHyphen = false;
            }
            else if (!lastWasHyphen)
            {
                builder.Append('-');
                lastWasHyphen = true;
            }
        }

        var slug = builder.ToString().TrimEnd('-');
        if (slug.Length > MaxSlugLength)
        {
            slug = slug[..MaxSlugLength].TrimEnd('-');
        }

        return slug.Length == 0 ? "untitled" : slug;
    }

    [GeneratedRegex(@"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})$")]
    private static partial Regex ArxivIdRegex();

    [GeneratedRegex(@"(?:^|arxiv\.org/(?:abs|pdf)/|arXiv:)(?<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?<v>\d+))?(?:\.pdf)?$", RegexOptions.IgnoreCase)]
    private static partial Regex ArxivAnywhereRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
