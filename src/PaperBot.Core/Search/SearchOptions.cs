using System.ComponentModel.DataAnnotations;

namespace PaperBot.Core.Search;

/// <summary>
/// Hybrid ranking settings. Section <c>Search</c>. Defaults are tuned on the arXiv title → abstract benchmark and
/// checked on the dev and held-out questions (README, <c>bench -- quality</c>).
/// </summary>
public sealed class SearchOptions : IValidatableObject
{
    public const string SectionName = "Search";

    /// <summary>The most candidates <see cref="ExactRerank"/> reads float32 vectors for in one query.</summary>
    public const int MaxRerankCandidates = 1000;

    /// <summary>How the embedding and BM25 rankings are combined.</summary>
    public FusionMethod Fusion { get; set; } = FusionMethod.NormalizedScore;

    /// <summary>Reciprocal-rank-fusion constant (<see cref="FusionMethod.ReciprocalRank"/> only): larger flattens the difference between ranks.</summary>
    [Range(1, 1000)]
    public int FusionK { get; set; } = 60;

    /// <summary>Weight of the semantic (embedding) ranking in the fusion.</summary>
    [Range(0.0, 10.0)]
    public double SemanticWeight { get; set; } = 0.4;

    /// <summary>Weight of the lexical (BM25) ranking in the fusion.</summary>
    [Range(0.0, 10.0)]
    public double LexicalWeight { get; set; } = 0.6;

    /// <summary>How passage vectors are held in memory and scanned.</summary>
    public VectorPrecision VectorPrecision { get; set; } = VectorPrecision.Quantized;

    /// <summary>
    /// From this many passages on, vector search uses an HNSW graph saved beside the library (approximate, sub-millisecond,
    /// no vectors loaded at start) instead of scanning every vector; below it, the scan is exact and fast enough.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int ApproximateFromPassages { get; set; } = 100_000;

    /// <summary>How many passages each ranking contributes before fusion.</summary>
    [Range(10, 10000)]
    public int Candidates { get; set; } = 200;

    /// <summary>
    /// How many nearest passages a search asks the HNSW graph for (its search breadth: the graph's recall grows with it,
    /// and its latency); the best <see cref="Candidates"/> of them by int8 similarity go on to the ranking. 0 (the default)
    /// asks for <see cref="Candidates"/>; otherwise at least <see cref="Candidates"/>.
    /// </summary>
    [Range(0, 10000)]
    public int GraphCandidates { get; set; }

    /// <summary>
    /// Which embedding candidates are re-scored with their float32 vectors, read from the library in one query per search,
    /// so that the semantic ranking and the reported similarities are exact for them: those of the int8 scan (the default:
    /// recall@10 against the float32 scan 0.978 → 1.000 at 100k for about a millisecond), also those of the HNSW graph
    /// (<see cref="ExactRerank.All"/>: there the graph's own misses dominate and it gained 0.001-0.006, README), or none.
    /// </summary>
    public ExactRerank ExactRerank { get; set; } = ExactRerank.Scan;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GraphCandidates != 0 && GraphCandidates < Candidates)
        {
            yield return new ValidationResult(
                $"Search:GraphCandidates ({GraphCandidates}) must be 0 (as many as Search:Candidates) or at least Search:Candidates ({Candidates}): the ranking takes its candidates from what the graph returns.",
                [nameof(GraphCandidates), nameof(Candidates)]);
        }

        if (ExactRerank != ExactRerank.Off && Candidates > MaxRerankCandidates)
        {
            // Each search would read Candidates float32 vectors (1.5 KB each at 384 dimensions) from the library.
            yield return new ValidationResult(
                $"Search:ExactRerank reads every candidate's vector on each search: set Search:Candidates to at most {MaxRerankCandidates}, or Search:ExactRerank to Off.",
                [nameof(Candidates), nameof(ExactRerank)]);
        }
    }
}

/// <summary>Which approximate embedding candidates are re-scored with their float32 vectors (<see cref="SearchOptions.ExactRerank"/>).</summary>
public enum ExactRerank
{
    /// <summary>None: int8 and HNSW similarities as they come.</summary>
    Off,

    /// <summary>The int8 scan's candidates (below <see cref="SearchOptions.ApproximateFromPassages"/>).</summary>
    Scan,

    /// <summary>The int8 scan's and the HNSW graph's candidates.</summary>
    All,
}

/// <summary>How the in-memory vector index stores passage vectors.</summary>
public enum VectorPrecision
{
    /// <summary>32-bit floats: exact cosine, 4 bytes a dimension.</summary>
    Full,

    /// <summary>int8 with a scale per vector: a quarter of the memory and of the bytes scanned a query.</summary>
    Quantized,
}

/// <summary>Which rankings a search uses; <see cref="Hybrid"/> except when measuring.</summary>
public enum SearchMode
{
    Hybrid,
    LexicalOnly,
    SemanticOnly,
}
