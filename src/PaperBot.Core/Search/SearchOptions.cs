using System.ComponentModel.DataAnnotations;

namespace PaperBot.Core.Search;

/// <summary>Hybrid ranking settings. Section <c>Search</c>. Defaults are tuned on the dev questions (README).</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>Reciprocal-rank-fusion constant: larger flattens the difference between ranks.</summary>
    [Range(1, 1000)]
    public int FusionK { get; set; } = 60;

    /// <summary>Weight of the semantic (embedding) ranking in the fusion.</summary>
    [Range(0.0, 10.0)]
    public double SemanticWeight { get; set; } = 1.0;

    /// <summary>Weight of the lexical (BM25) ranking in the fusion.</summary>
    [Range(0.0, 10.0)]
    public double LexicalWeight { get; set; } = 1.0;

    /// <summary>How many passages each ranking contributes before fusion.</summary>
    [Range(10, 10000)]
    public int Candidates { get; set; } = 200;
}

/// <summary>Which rankings a search uses; <see cref="Hybrid"/> except when measuring.</summary>
public enum SearchMode
{
    Hybrid,
    LexicalOnly,
    SemanticOnly,
}
