using Microsoft.Extensions.Logging;

namespace PaperBot.Core.Feeds;

/// <summary>Log messages of the feed fetcher (source-generated). Event ids 3200–3299 of this assembly.</summary>
internal static partial class FeedLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Feed {Source}: not modified ({Requests} requests)")]
    public static partial void NotModified(this ILogger logger, string source, int requests);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Feed {Source}: {Added} added, {Updated} updated, {Unchanged} unchanged ({Requests} requests)")]
    public static partial void Fetched(this ILogger logger, string source, int added, int updated, int unchanged, int requests);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Feed {Source} failed and was skipped: {Error}")]
    public static partial void Failed(this ILogger logger, string source, string error);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Debug, Message = "Feed {Source} failure details")]
    public static partial void FailureDetails(this ILogger logger, Exception exception, string source);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Feed request ({Client}) attempt {Attempt} failed ({Outcome}); retrying in {DelayMs} ms")]
    public static partial void Retrying(this ILogger logger, string client, int attempt, string? outcome, long delayMs);
}
