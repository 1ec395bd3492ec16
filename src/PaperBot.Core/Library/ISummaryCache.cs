namespace PaperBot.Core.Library;

/// <summary>Key of a cached summary: a repeat with the same key costs no model call.</summary>
public sealed record SummaryCacheKey(string PaperId, string Level, string PromptVersion, string Model);

/// <summary>Summaries already written by the model, kept until their paper changes or leaves the library.</summary>
public interface ISummaryCache
{
    /// <summary>The cached summary for <paramref name="key"/>, or <see langword="null"/>.</summary>
    Task<string?> GetAsync(SummaryCacheKey key, CancellationToken cancellationToken = default);

    /// <summary>Caches a summary; a paper removed meanwhile is not an error (nothing is cached).</summary>
    Task SetAsync(SummaryCacheKey key, string text, CancellationToken cancellationToken = default);
}
