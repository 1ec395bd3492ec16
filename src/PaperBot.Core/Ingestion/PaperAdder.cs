using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Library;

namespace PaperBot.Core.Ingestion;

/// <summary>Where paper metadata comes from. Section <c>Arxiv</c>.</summary>
public sealed class ArxivOptions
{
    public const string SectionName = "Arxiv";

    /// <summary>The arXiv API base; <c>/query?id_list=…</c> is appended.</summary>
    [Required]
    [Url]
    public string ApiBaseUrl { get; set; } = "https://export.arxiv.org/api";

    /// <summary>Time allowed for the metadata request.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest PDF accepted for one paper.</summary>
    [Range(1024, 200L * 1024 * 1024)]
    public long MaxPdfBytes { get; set; } = 30L * 1024 * 1024;
}

/// <summary>
/// Adds one paper: an arXiv id or URL (<c>2305.07759</c>, <c>arxiv.org/abs/…</c>, <c>arxiv.org/pdf/…</c>), a Hugging
/// Face paper URL, and/or a PDF. Metadata comes from the arXiv API (Atom); the PDF, when given, supplies the full
/// text. The paper is embedded and searchable when this returns. Used by <c>/paper add</c> in Discord and the console.
/// </summary>
public sealed partial class PaperAdder(
    PaperIngestor ingestor,
    IPaperStore store,
    IHttpClientFactory httpClientFactory,
    IOptions<ArxivOptions> options,
    ILogger<PaperAdder> logger)
{
    /// <summary>The versionless arXiv id in an id, an arxiv.org URL or a huggingface.co/papers URL; false for anything else.</summary>
    public static bool TryParseSource(string? source, out string arxivId)
    {
        arxivId = "";
        var text = (source ?? "").Trim().Trim('<', '>');
        if (text.Length is 0 or > 300)
        {
            return false;
        }

        if (!BareIdRegex().IsMatch(text) && !KnownUrlRegex().IsMatch(text))
        {
            return false;
        }

        // A Hugging Face paper page is named by the arXiv id: huggingface.co/papers/2305.07759.
        var lastSegment = text.TrimEnd('/').Split('/')[^1].Split('?', '#')[0];
        lastSegment = lastSegment.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) ? lastSegment[..^4] : lastSegment;
        return PaperIds.TryParseArxiv(text, out arxivId, out _)
               || (BareIdRegex().IsMatch(lastSegment) && PaperIds.TryParseArxiv("arXiv:" + lastSegment, out arxivId, out _));
    }

    /// <summary>Adds (or refreshes) the paper; returns it as stored. User errors are <see cref="UserFacingException"/>s.</summary>
    public async Task<Paper> AddAsync(string? source, byte[]? pdf, string? pdfName, CancellationToken cancellationToken = default)
    {
        IngestRecord? record = null;
        string? arxivId = null;
        if (!string.IsNullOrWhiteSpace(source))
        {
            if (!TryParseSource(source, out var id))
            {
                throw new UserFacingException($"'{Shorten(source)}' is not an arXiv id or URL. Use an id like 2305.07759, an arxiv.org link or a huggingface.co/papers link.");
            }

            arxivId = id;
            record = await FetchArxivAsync(id, cancellationToken);
        }

        if (pdf is not null)
        {
            if (pdf.Length > options.Value.MaxPdfBytes)
            {
                throw new UserFacingException($"The PDF is too large ({pdf.Length / (1024 * 1024)} MB, at most {options.Value.MaxPdfBytes / (1024 * 1024)} MB).");
            }

            var parsed = PdfParser.Parse(pdf, pdfName ?? "paper.pdf");
            var fromPdf = parsed.Records.Count > 0 ? parsed.Records[0] : throw new UserFacingException("No text could be read from that PDF.");
            record = record is null ? fromPdf : record with { FullText = fromPdf.FullText ?? fromPdf.Abstract };
        }

        if (record is null)
        {
            throw new UserFacingException("Give an arXiv id or URL, a Hugging Face paper URL, or attach a PDF.");
        }

        var origin = arxivId is not null ? $"arXiv {arxivId}" : pdfName ?? "PDF";
        var report = await ingestor.StoreAsync(origin, new ParsedInput(IngestFormat.ArxivAtom, [record], []), null, cancellationToken);
        if (report.Skipped.Count > 0 && report.Added + report.Updated + report.Unchanged == 0)
        {
            throw new UserFacingException($"{origin} could not be added: {report.Skipped[0].Reason}.");
        }

        // The id the ingestor gives it: the arXiv id, else the record's id, else a slug of the title.
        var paperId = arxivId
                      ?? (PaperIds.TryParseArxiv(record.Id, out var stamped, out _) ? stamped : null)
                      ?? (string.IsNullOrWhiteSpace(record.Id) ? PaperIds.SlugFromTitle(PaperIds.NormalizeWhitespace(record.Title ?? "")) : PaperIds.NormalizeWhitespace(record.Id));
        var paper = await store.GetAsync(paperId, cancellationToken) ?? throw new UserFacingException($"{origin} could not be added.");
        logger.LogInformation("Added paper {PaperId} from {Origin} ({Added} added, {Updated} updated)", paper.Id, origin, report.Added, report.Updated);
        return paper;
    }

    private async Task<IngestRecord> FetchArxivAsync(string id, CancellationToken cancellationToken)
    {
        var url = $"{options.Value.ApiBaseUrl.TrimEnd('/')}/query?id_list={Uri.EscapeDataString(id)}&max_results=1";
        using var client = httpClientFactory.CreateClient(nameof(PaperAdder));
        client.Timeout = options.Value.Timeout;
        string atom;
        try
        {
            using var response = await client.GetAsync(new Uri(url), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new UserFacingException($"arXiv answered HTTP {(int)response.StatusCode} for {id}; nothing was added. Try again later.");
            }

            atom = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "arXiv API request for {ArxivId} failed", id);
            throw new UserFacingException($"Could not reach arXiv to look up {id}; nothing was added. Try again later.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UserFacingException($"arXiv did not answer within {options.Value.Timeout.TotalSeconds:0} s for {id}; nothing was added.", ex);
        }

        var parsed = ArxivXmlParser.ParseAtom(atom, $"arXiv {id}");
        return parsed.Records.FirstOrDefault(r => r.Id is { } found && PaperIds.TryParseArxiv(found, out var normalized, out _) && normalized == id)
               ?? throw new UserFacingException($"arXiv has no paper {id}. Check the id.");
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..79] + "…";

    [GeneratedRegex(@"^(?:arxiv:)?(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareIdRegex();

    [GeneratedRegex(@"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KnownUrlRegex();
}
