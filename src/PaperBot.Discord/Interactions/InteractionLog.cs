using Microsoft.Extensions.Logging;

namespace PaperBot.Discord.Interactions;

/// <summary>
/// Log messages of interaction dispatch, acknowledgement and the queue (source-generated).
/// Event ids 1100–1199 of this assembly. Interaction tokens are never parameters; user text only at Debug.
/// </summary>
internal static partial class InteractionLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Ignoring duplicate interaction {InteractionId}")]
    public static partial void Duplicate(this ILogger logger, string interactionId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Ignoring interaction {InteractionId} of type {InteractionType}")]
    public static partial void IgnoredType(this ILogger logger, string interactionId, InteractionType interactionType);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Interaction {InteractionId} abandoned at shutdown")]
    public static partial void AbandonedAtShutdown(this ILogger logger, string interactionId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Interaction {InteractionId} ({Command}) failed")]
    public static partial void Failed(this ILogger logger, Exception exception, string interactionId, string? command);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Unknown command {Command} in interaction {InteractionId}")]
    public static partial void UnknownCommand(this ILogger logger, string command, string interactionId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Command {Command} ({InteractionId}) timed out after {ElapsedMs} ms")]
    public static partial void CommandTimedOut(this ILogger logger, string command, string interactionId, long elapsedMs);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "Command {Command} ({InteractionId}) failed")]
    public static partial void CommandFailed(this ILogger logger, Exception exception, string command, string interactionId);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "Command {Command} ({InteractionId}) failed after its reply")]
    public static partial void CommandFailedAfterReply(this ILogger logger, Exception exception, string command, string interactionId);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Answered /{Command} ({InteractionId}) in {ElapsedMs} ms with {MessageCount} message(s)")]
    public static partial void Answered(this ILogger logger, string command, string interactionId, long elapsedMs, int messageCount);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "Could not send the ephemeral error for {InteractionId}; editing the original instead")]
    public static partial void EphemeralErrorFailed(this ILogger logger, Exception exception, string interactionId);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Autocomplete for {InteractionId} exceeded its budget; answering with no choices")]
    public static partial void AutocompleteOverBudget(this ILogger logger, string interactionId);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "Autocomplete for {InteractionId} failed")]
    public static partial void AutocompleteFailed(this ILogger logger, Exception exception, string interactionId);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information, Message = "No handler for component {CustomId} in interaction {InteractionId}")]
    public static partial void NoComponentHandler(this ILogger logger, string customId, string interactionId);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Error, Message = "Component {CustomId} ({InteractionId}) failed")]
    public static partial void ComponentFailed(this ILogger logger, Exception exception, string customId, string interactionId);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Debug, Message = "Acknowledged {InteractionId} after {ElapsedMs} ms")]
    public static partial void Acknowledged(this ILogger logger, string interactionId, double elapsedMs);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Warning, Message = "Interaction queue full ({Capacity}); telling {InteractionId} to try again")]
    public static partial void QueueFull(this ILogger logger, int capacity, string interactionId);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Warning, Message = "Interaction queue full ({Capacity}); dropping a thread message")]
    public static partial void QueueFullThreadMessage(this ILogger logger, int capacity);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Debug, Message = "Interaction queue started: {Consumers} consumers, capacity {Capacity}")]
    public static partial void QueueStarted(this ILogger logger, int consumers, int capacity);

    [LoggerMessage(EventId = 1123, Level = LogLevel.Debug, Message = "Interaction queue drained")]
    public static partial void QueueDrained(this ILogger logger);

    [LoggerMessage(EventId = 1124, Level = LogLevel.Warning, Message = "Shutdown timeout: abandoning {Waiting} queued and the running interactions")]
    public static partial void QueueAbandoned(this ILogger logger, int waiting);

    [LoggerMessage(EventId = 1125, Level = LogLevel.Warning, Message = "Dropping the notice for {InteractionId}: too many pending")]
    public static partial void NoticeDropped(this ILogger logger, string interactionId);

    [LoggerMessage(EventId = 1126, Level = LogLevel.Warning, Message = "Interaction {InteractionId} waited {ElapsedMs} ms in the queue, past Discord's window; dropped. Consider raising Discord:InteractionConcurrency")]
    public static partial void ExpiredInQueue(this ILogger logger, string interactionId, long elapsedMs);

    [LoggerMessage(EventId = 1127, Level = LogLevel.Error, Message = "A queued Discord event failed")]
    public static partial void QueuedEventFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1128, Level = LogLevel.Warning, Message = "Could not tell interaction {InteractionId} '{Notice}': {Error}")]
    public static partial void NoticeFailed(this ILogger logger, string interactionId, string notice, string error);

    [LoggerMessage(EventId = 1130, Level = LogLevel.Information, Message = "HTTP interactions endpoint listening on {Url}/interactions")]
    public static partial void EndpointListening(this ILogger logger, string url);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Debug, Message = "Rejected an interaction request with a bad or missing signature")]
    public static partial void BadSignature(this ILogger logger);

    [LoggerMessage(EventId = 1132, Level = LogLevel.Warning, Message = "Rejected a signed interaction request with timestamp {Timestamp}: outside {MaxAge} of now")]
    public static partial void StaleTimestamp(this ILogger logger, string? timestamp, TimeSpan maxAge);

    [LoggerMessage(EventId = 1133, Level = LogLevel.Warning, Message = "Ignoring a malformed interaction: {Error}")]
    public static partial void Malformed(this ILogger logger, string error);

    [LoggerMessage(EventId = 1134, Level = LogLevel.Warning, Message = "Answer stream failed after {Characters} characters; keeping the partial answer")]
    public static partial void AnswerStreamFailed(this ILogger logger, Exception exception, int characters);
}
