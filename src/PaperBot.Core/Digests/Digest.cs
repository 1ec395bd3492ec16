namespace PaperBot.Core.Digests;

/// <summary>How an entry's blurb was written.</summary>
public enum BlurbMode
{
    /// <summary>Written by the model.</summary>
    Generated,

    /// <summary>The abstract's key sentence, quoted (no model, or the model's output was unusable).</summary>
    Extractive,
}

/// <summary>One paper in a digest.</summary>
/// <param name="PaperId">The library id.</param>
/// <param name="Title">The title.</param>
/// <param name="Link">Where to read it.</param>
/// <param name="Authors">Authors, shortened ("A. Author, B. Author et al.").</param>
/// <param name="Blurb">One or two sentences on what the paper does.</param>
/// <param name="BlurbMode">Whether the blurb is generated or quoted.</param>
/// <param name="Reason">Why it matched: the model's one-line reason, or the topic it is closest to.</param>
/// <param name="Score">Relevance 0-10.</param>
/// <param name="Similarity">Cosine similarity to the channel's profile (for measuring).</param>
public sealed record DigestEntry(
    string PaperId,
    string Title,
    string Link,
    string Authors,
    string Blurb,
    BlurbMode BlurbMode,
    string Reason,
    double Score,
    double Similarity);

/// <summary>One message of a digest: at most <see cref="Digest.EntriesPerPart"/> entries.</summary>
/// <param name="Index">1-based part number.</param>
/// <param name="Total">How many parts the digest has.</param>
/// <param name="Header">Text above the entries (first part), or the "nothing new" line.</param>
/// <param name="Entries">The papers in this part.</param>
public sealed record DigestPart(int Index, int Total, string? Header, IReadOnlyList<DigestEntry> Entries);

/// <summary>
/// A composed digest. Entries are split into parts of at most five, so each message carries one 👍/👎 row
/// per paper (Discord allows five rows) and stays far inside the 10-embed, 6,000-character limits.
/// </summary>
/// <param name="Topics">What it is about, as the user wrote it.</param>
/// <param name="Entries">Ranked entries, best first.</param>
/// <param name="Parts">The messages to post; empty when nothing is relevant and the "nothing new" line is off.</param>
/// <param name="HighWater">The library arrival number the candidates were taken up to.</param>
/// <param name="Candidates">How many papers were considered.</param>
/// <param name="ModelScored">Whether the model scored the short list (otherwise similarity alone).</param>
/// <param name="Votes">How many 👍/👎 votes shaped the channel's profile.</param>
public sealed record Digest(
    string Topics,
    IReadOnlyList<DigestEntry> Entries,
    IReadOnlyList<DigestPart> Parts,
    long HighWater,
    int Candidates,
    bool ModelScored,
    int Votes)
{
    public const int EntriesPerPart = 5;
}
