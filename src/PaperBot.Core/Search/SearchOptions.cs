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
    /// Re-scores the embedding ranking's candidates (from the int8 scan or the HNSW graph) with their float32 vectors,
    /// read from the library in one query per search: the semantic ranking and the reported similarities become exact
    /// for the candidates (recall@10 against the float32 scan 0.97-0.99 → 1.00, README). Has no effect with
    /// <see cref="VectorPrecision.Full"/> below <see cref="ApproximateFromPassages"/>, which is exact already.
    /// </summary>
    public bool ExactRerank { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ExactRerank && Candidates > MaxRerankCandidates)
        {
            // Each search would read Candidates float32 vectors (1.5 KB each at 384 dimensions) from the library.
            yield return new ValidationResult(
                $"Search:ExactRerank reads every candidate's vector on each search: set Search:Candidates to at most {MaxRerankCandidates}, or Search:ExactRerank to false.",
                [nameof(Candidates), nameof(ExactRerank)]);
        }
    }
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
