using System.Text;
using System.Text.RegularExpressions;
using PaperBot.Core.Library;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace PaperBot.Core.Ingestion;

/// <summary>
/// Reads a PDF paper with PdfPig. Text comes from the content-order extractor (which keeps line breaks,
/// unlike <c>page.Text</c>, and marks paragraph gaps with a blank line); the title from the document metadata
/// or the first lines; the abstract from the "Abstract" section where there is one; the id from an arXiv stamp
/// or the file name. The full text keeps paragraphs apart but joins the lines inside each, so that a sentence
/// the PDF wrapped reads as one sentence.
/// </summary>
internal static partial class PdfParser
{
    private const int FallbackAbstractLength = 1500;

    private static readonly ContentOrderTextExtractor.Options Extraction = new() { SeparateParagraphsWithDoubleNewline = true };

    public static ParsedInput Parse(byte[] bytes, string name)
    {
        string text;
        string? metadataTitle;
        try
        {
            using var document = PdfDocument.Open(bytes);
            metadataTitle = document.Information.Title;
            var builder = new StringBuilder();
            foreach (var page in document.GetPages())
            {
                builder.AppendLine(ContentOrderTextExtractor.GetText(page, Extraction));
                builder.AppendLine();
            }

            text = builder.ToString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new IngestException($"{name}: not a readable PDF ({HfDailyParser.FirstSentence(ex.Message)}).", ex);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new IngestException($"{name}: the PDF has no extractable text (a scanned image?); nothing was added.");
        }

        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var title = !string.IsNullOrWhiteSpace(metadataTitle) && metadataTitle.Trim().Length > 3
            ? PaperIds.NormalizeWhitespace(metadataTitle)
            : TitleFromLines(lines);

        string? id = null;
        var version = 0;
        var stamp = ArxivStampRegex().Match(text);
        if (stamp.Success && PaperIds.TryParseArxiv(stamp.Groups[1].Value, out var stampId, out var stampVersion))
        {
            (id, version) = (stampId, stampVersion);
        }
        else if (PaperIds.TryParseArxiv(Path.GetFileNameWithoutExtension(name), out var fileId, out var fileVersion))
        {
            (id, version) = (fileId, fileVersion);
        }

        var record = new IngestRecord(
            "document",
            id,
            version,
            title,
            [],
            ExtractAbstract(text),
            null,
            [],
            id is null ? null : $"https://arxiv.org/abs/{id}",
            JoinWrappedLines(text));
        return new ParsedInput(IngestFormat.Pdf, [record], []);
    }

    private static string? TitleFromLines(List<string> lines)
    {
        // The title is the first line or two that are not arXiv stamps, dates or page furniture.
        var candidates = lines.Where(l => !ArxivStampRegex().IsMatch(l) && l.Length > 3).Take(2).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var title = candidates[0];
        if (candidates.Count > 1 && title.Length < 60 && candidates[1].Length < 80 && !candidates[1].Contains('@', StringComparison.Ordinal)
            && !char.IsLower(candidates[1][0]) && candidates[1].Split(' ').Length > 1 && !LooksLikeAuthors(candidates[1]))
        {
            title += " " + candidates[1];
        }

        return title;
    }

    private static bool LooksLikeAuthors(string line) => line.Count(c => c == ',') >= 2 || line.Contains(" and ", StringComparison.Ordinal);

    private static string ExtractAbstract(string text)
    {
        var match = AbstractRegex().Match(text);
        var body = match.Success ? match.Groups["body"].Value : text[..Math.Min(text.Length, FallbackAbstractLength)];
        return PaperIds.NormalizeWhitespace(JoinWrappedLines(body));
    }

    /// <summary>
    /// Joins the lines of each paragraph (a PDF breaks lines where its column ends, not where sentences do) and
    /// undoes end-of-line hyphenation ("un-" + "changed"); paragraphs stay apart, separated by a blank line.
    /// A paragraph gap after a line that ends mid-sentence, before a lower-case word, is a wider line gap,
    /// not a paragraph: it is joined too.
    /// </summary>
    internal static string JoinWrappedLines(string text)
    {
        var paragraphs = new List<StringBuilder>();
        foreach (var paragraph in ParagraphBreakRegex().Split(text))
        {
            var first = true;
            foreach (var line in paragraph.Split('\n').Select(PaperIds.NormalizeWhitespace).Where(l => l.Length > 0))
            {
                var current = paragraphs.Count == 0 ? null : paragraphs[^1];
                var previous = current?.ToString() ?? "";
                var continues = char.IsLower(line[0]);
                if (current is not null && continues && HyphenatedEndRegex().IsMatch(previous))
                {
                    current.Length--; // a word broken at the line end: drop the hyphen, no space
                    current.Append(line);
                }
                else if (current is not null && (!first || (continues && !SentenceEndRegex().IsMatch(previous))))
                {
                    current.Append(' ').Append(line);
                }
                else
                {
                    paragraphs.Add(new StringBuilder(line));
                }

                first = false;
            }
        }

        return string.Join("\n\n", paragraphs);
    }

    [GeneratedRegex(@"\n[ \t\r]*\n\s*")]
    private static partial Regex ParagraphBreakRegex();

    [GeneratedRegex(@"\p{Ll}-$")]
    private static partial Regex HyphenatedEndRegex();

    [GeneratedRegex(@"[.!?:;)\]""”]$")]
    private static partial Regex SentenceEndRegex();

    [GeneratedRegex(@"arXiv:(\d{4}\.\d{4,5}(?:v\d+)?)")]
    private static partial Regex ArxivStampRegex();

    [GeneratedRegex(@"(?is)\babstract\b[\s.:—-]*(?<body>.{50,3000}?)(?=\n\s*(?:\d\.?|I\.?)?\s*Introduction\b|\n\s*Keywords\b|$)")]
    private static partial Regex AbstractRegex();
}
