using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PaperBot.Core.Library;

namespace PaperBot.Core.Ingestion;

/// <summary>Reads arXiv API Atom feeds and OAI-PMH <c>arXivRaw</c> pages.</summary>
internal static partial class ArxivXmlParser
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace ArxivAtom = "http://arxiv.org/schemas/atom";
    private static readonly XNamespace Oai = "http://www.openarchives.org/OAI/2.0/";
    private static readonly XNamespace Raw = "http://arxiv.org/OAI/arXivRaw/";

    public static ParsedInput ParseAtom(string text, string name)
    {
        var document = Load(text, name);
        if (document.Root?.Name != Atom + "feed")
        {
            throw new IngestException($"{name}: not an arXiv Atom feed (root element is <{document.Root?.Name.LocalName}>).");
        }

        var records = new List<IngestRecord>();
        var index = 0;
        foreach (var entry in document.Root.Elements(Atom + "entry"))
        {
            index++;
            var rawId = (string?)entry.Element(Atom + "id");
            _ = PaperIds.TryParseArxiv(rawId, out var id, out var version);
            var published = HfDailyParser.ParseDate((string?)entry.Element(Atom + "published"));
            records.Add(new IngestRecord(
                Where(entry, index),
                id.Length > 0 ? id : null,
                version,
                Clean((string?)entry.Element(Atom + "title")),
                [.. entry.Elements(Atom + "author").Select(a => Clean((string?)a.Element(Atom + "name"))).OfType<string>()],
                Clean((string?)entry.Element(Atom + "summary")),
                published,
                [.. entry.Elements(Atom + "category").Select(c => (string?)c.Attribute("term")).OfType<string>()],
                id.Length > 0 ? $"https://arxiv.org/abs/{id}" : entry.Elements(Atom + "link").Select(l => (string?)l.Attribute("href")).FirstOrDefault(),
                null));
        }

        return new ParsedInput(IngestFormat.ArxivAtom, records, []);
    }

    public static ParsedInput ParseOai(string text, string name)
    {
        var document = Load(text, name);
        if (document.Root?.Name != Oai + "OAI-PMH")
        {
            throw new IngestException($"{name}: not an OAI-PMH response (root element is <{document.Root?.Name.LocalName}>).");
        }

        var error = document.Root.Element(Oai + "error");
        if (error is not null)
        {
            throw new IngestException($"{name}: the OAI-PMH response is an error: {(string?)error.Attribute("code")} {error.Value.Trim()}");
        }

        var records = new List<IngestRecord>();
        var skipped = new List<SkippedRecord>();
        var index = 0;
        foreach (var record in document.Root.Descendants(Oai + "record"))
        {
            index++;
            var raw = record.Element(Oai + "metadata")?.Element(Raw + "arXivRaw");
            if (raw is null)
            {
                var deleted = (string?)record.Element(Oai + "header")?.Attribute("status") == "deleted";
                skipped.Add(new SkippedRecord(Where(record, index), deleted ? "deleted record" : "no arXivRaw metadata"));
                continue;
            }

            _ = PaperIds.TryParseArxiv((string?)raw.Element(Raw + "id"), out var id, out _);
            var versions = raw.Elements(Raw + "version").ToList();
            var version = versions
                .Select(v => (string?)v.Attribute("version"))
                .Select(v => v is { Length: > 1 } && int.TryParse(v.AsSpan(1), CultureInfo.InvariantCulture, out var n) ? n : 0)
                .DefaultIfEmpty(0).Max();
            var firstDate = versions.Select(v => (string?)v.Element(Raw + "date")).FirstOrDefault();
            records.Add(new IngestRecord(
                Where(record, index),
                id.Length > 0 ? id : null,
                version,
                Clean((string?)raw.Element(Raw + "title")),
                SplitAuthors((string?)raw.Element(Raw + "authors")),
                Clean((string?)raw.Element(Raw + "abstract")),
                ParseRfc1123Date(firstDate),
                ((string?)raw.Element(Raw + "categories") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
                id.Length > 0 ? $"https://arxiv.org/abs/{id}" : null,
                null));
        }

        return new ParsedInput(IngestFormat.ArxivOai, records, skipped);
    }

    /// <summary>"A (McGill), B and C (DAMTP, Cambridge)" → [A, B, C].</summary>
    internal static List<string> SplitAuthors(string? authors)
    {
        if (string.IsNullOrWhiteSpace(authors))
        {
            return [];
        }

        var withoutAffiliations = PaperIds.NormalizeWhitespace(ParenthesesRegex().Replace(authors, ""));
        return [.. AuthorSeparatorRegex().Split(withoutAffiliations).Select(a => a.Trim()).Where(a => a.Length > 0)];
    }

    private static DateOnly? ParseRfc1123Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? DateOnly.FromDateTime(instant.UtcDateTime)
            : null;

    private static XDocument Load(string text, string name)
    {
        try
        {
            return XDocument.Parse(text, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            throw new IngestException($"{name}: line {ex.LineNumber}, column {ex.LinePosition}: invalid XML ({HfDailyParser.FirstSentence(ex.Message)})", ex);
        }
    }

    private static string Where(XElement element, int index) =>
        element is IXmlLineInfo info && info.HasLineInfo()
            ? $"record {index} (line {info.LineNumber})"
            : $"record {index}";

    private static string? Clean(string? text) => text is null ? null : PaperIds.NormalizeWhitespace(text);

    [GeneratedRegex(@"\([^)]*\)")]
    private static partial Regex ParenthesesRegex();

    [GeneratedRegex(@",\s*(?:and\s+)?|\s+and\s+")]
    private static partial Regex AuthorSeparatorRegex();
}
