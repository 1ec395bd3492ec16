namespace PaperBot.Core.Ingestion;

/// <summary>Input formats <c>paperbot ingest</c> reads.</summary>
public enum IngestFormat
{
    /// <summary>Detected from the content (and, for PDF, the extension).</summary>
    Auto,

    /// <summary>A Hugging Face papers page saved as text: header, then title and abstract paragraphs.</summary>
    HfPage,

    /// <summary>The Hugging Face daily papers API JSON (<c>/api/daily_papers</c>).</summary>
    HfDaily,

    /// <summary>An arXiv API response (Atom XML).</summary>
    ArxivAtom,

    /// <summary>An arXiv OAI-PMH <c>ListRecords</c> page in <c>arXivRaw</c> format.</summary>
    ArxivOai,

    /// <summary>JSON Lines: one object a line with <c>id</c>/<c>_id</c>, <c>title</c>, <c>abstract</c>/<c>text</c>.</summary>
    Jsonl,

    /// <summary>A PDF paper: text via PdfPig, chunked for search.</summary>
    Pdf,
}

/// <summary>One paper as read from an input, before validation.</summary>
/// <param name="Position">Where it is in the input, for messages: "line 12", "record 3".</param>
internal sealed record IngestRecord(
    string Position,
    string? Id,
    int Version,
    string? Title,
    IReadOnlyList<string> Authors,
    string? Abstract,
    DateOnly? Published,
    IReadOnlyList<string> Categories,
    string? SourceUrl,
    string? FullText);

/// <summary>A record that was skipped, and why.</summary>
/// <param name="Position">"line 12", "record 3".</param>
/// <param name="Reason">"no title", "empty abstract".</param>
public sealed record SkippedRecord(string Position, string Reason);

/// <summary>What a parser read from one input.</summary>
internal sealed record ParsedInput(IngestFormat Format, IReadOnlyList<IngestRecord> Records, IReadOnlyList<SkippedRecord> Skipped);

/// <summary>
/// An input that cannot be read at all (not the format, broken syntax, missing file, no text in a PDF).
/// The message names the input and, where known, the position.
/// </summary>
public sealed class IngestException : UserFacingException
{
    public IngestException(string message) : base(message) { }

    public IngestException(string message, Exception innerException) : base(message, innerException) { }

    public IngestException() { }
}
