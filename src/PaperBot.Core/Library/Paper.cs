namespace PaperBot.Core.Library;

/// <summary>A paper in the library.</summary>
/// <param name="Id">Stable id: the arXiv id without version where known (<c>2305.07759</c>), otherwise a slug of the normalized title.</param>
/// <param name="Title">The title, whitespace-normalized.</param>
/// <param name="Authors">Author names in paper order; empty when the source does not say.</param>
/// <param name="Abstract">The abstract.</param>
/// <param name="Published">Publication date where the source gives one.</param>
/// <param name="Categories">Subject categories (for example <c>cs.CL</c>); empty when unknown.</param>
/// <param name="SourceUrl">Where the paper can be read (the arXiv abstract page where known).</param>
/// <param name="FullText">Extracted full text (PDF ingestion), otherwise <see langword="null"/>.</param>
/// <param name="AddedAt">When the paper entered this library.</param>
/// <param name="Version">Source version number (arXiv <c>v2</c> → 2) used to decide whether an update is newer; 0 when unknown.</param>
public sealed record Paper(
    string Id,
    string Title,
    IReadOnlyList<string> Authors,
    string Abstract,
    DateOnly? Published,
    IReadOnlyList<string> Categories,
    string? SourceUrl,
    string? FullText,
    DateTimeOffset AddedAt,
    int Version = 0)
{
    /// <summary>
    /// A link for citations: the source URL; else the arXiv page for an arXiv id; else an arXiv title search
    /// (sources such as the Hugging Face papers page give no URL, and their papers are on arXiv).
    /// </summary>
    public string Link => SourceUrl
        ?? (PaperIds.IsArxivId(Id)
            ? $"https://arxiv.org/abs/{Id}"
            : $"https://arxiv.org/search/?searchtype=title&query={Uri.EscapeDataString(Title)}");
}
