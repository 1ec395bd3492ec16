using Microsoft.Extensions.Logging;

namespace PaperBot.Discord.Rest;

/// <summary>
/// Log messages of REST requests and rate limits (source-generated). Event ids 1200–1299 of this assembly.
/// Routes are logged by their template (<c>POST /interactions/{interaction_id}/{interaction_token}/callback</c>),
/// so no interaction token or bot token reaches the log.
/// </summary>
internal static partial class RestLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Rate limited on {Route} (scope {Scope}, global {Global}); retrying after {RetryAfterMs} ms")]
    public static partial void RateLimited(this ILogger logger, string route, string scope, bool global, long retryAfterMs);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Discord returned {Status} for {Route}; retry {Attempt} of {MaxAttempts}")]
    public static partial void ServerErrorRetried(this ILogger logger, int status, string route, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Discord returned {Status} for {Route}; not retried (a POST without an enforced nonce could be done twice)")]
    public static partial void ServerErrorNotRetried(this ILogger logger, int status, string route);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Discord rejected the bot token (401 on {Route}); no further requests will be sent. Check Discord__Token.")]
    public static partial void TokenRejected(this ILogger logger, string route);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "{InvalidRequests} invalid requests (401/403/429) in 10 minutes; Discord bans the IP at 10000")]
    public static partial void ManyInvalidRequests(this ILogger logger, int invalidRequests);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "Route {Route} uses rate-limit bucket {Bucket}")]
    public static partial void BucketDiscovered(this ILogger logger, string route, string bucket);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "Bucket of {Route} exhausted; waiting {WaitMs} ms")]
    public static partial void WaitingForBucket(this ILogger logger, string route, long waitMs);
}
