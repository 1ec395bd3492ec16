namespace PaperBot.Core.Library;

/// <summary>A paper reference (id or title prefix) matched no paper, or more than one.</summary>
public sealed class PaperLookupException : UserFacingException
{
    public PaperLookupException(string reference, IReadOnlyList<Paper> candidates)
        : base(BuildMessage(reference, candidates))
    {
        Reference = reference;
        Candidates = candidates;
    }

    /// <summary>What the user typed.</summary>
    public string Reference { get; }

    /// <summary>Papers that partly match (empty when nothing does).</summary>
    public IReadOnlyList<Paper> Candidates { get; }

    private static string BuildMessage(string reference, IReadOnlyList<Paper> candidates) =>
        candidates.Count == 0
            ? $"No paper matches '{reference}'. Try /search."
            : $"'{reference}' matches {candidates.Count} papers: "
              + string.Join("; ", candidates.Take(5).Select(p => $"{p.Id} ({p.Title})"))
              + (candidates.Count > 5 ? "; …" : "")
              + ". Use the id or a longer title.";
}
