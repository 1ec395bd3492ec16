using Microsoft.Extensions.Logging;

namespace PaperBot.AI.Assistant;

/// <summary>
/// Log messages of the assistant's per-question path (source-generated). Event ids 2100–2199 of this assembly.
/// Questions and queries only at Debug.
/// </summary>
internal static partial class AssistantLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Summary of {PaperId} ({Level}) served from the cache")]
    public static partial void SummaryFromCache(this ILogger logger, string paperId, string level);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The model's comparison was malformed ({Problem}); falling back to extractive")]
    public static partial void MalformedComparison(this ILogger logger, string problem);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Retrieved {Count} passages, best similarity {Similarity:F3} (abstain below {Threshold:F3})")]
    public static partial void Retrieved(this ILogger logger, int count, double similarity, double threshold);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Evidence {Evidence:F3} (abstain below {Threshold:F3}): {Covered}")]
    public static partial void Evidence(this ILogger logger, double evidence, double threshold, string covered);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Evidence for {Query}: {Reason}")]
    public static partial void EvidenceReason(this ILogger logger, string query, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "Follow-up rewritten as {Query}")]
    public static partial void FollowUpRewritten(this ILogger logger, string query);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "Follow-up rewriting unavailable ({Reason}); searching with the previous question as context")]
    public static partial void FollowUpRewriteUnavailable(this ILogger logger, string reason);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Debug, Message = "Packed {Count} passages in {Tokens} tokens for {Query}")]
    public static partial void Packed(this ILogger logger, int count, int tokens, string query);
}
