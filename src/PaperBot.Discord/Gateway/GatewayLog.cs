using Microsoft.Extensions.Logging;

namespace PaperBot.Discord.Gateway;

/// <summary>
/// The gateway's log messages (source-generated: no boxing or template parsing on the frame loop).
/// Event ids 1000–1099 of this assembly. The token is never a parameter.
/// </summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Shard {ShardId}: connection failed ({Error}); will {Action}")]
    public static partial void ConnectionFailed(this ILogger logger, int shardId, string error, string action);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Shard {ShardId}: unexpected gateway failure; will {Action}")]
    public static partial void UnexpectedFailure(this ILogger logger, Exception exception, int shardId, string action);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void FatalClose(this ILogger logger, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Shard {ShardId}: reconnecting in {DelayMs} ms ({Action})")]
    public static partial void Reconnecting(this ILogger logger, int shardId, long delayMs, ReconnectAction action);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Shard {ShardId}: session start limit used up ({Total} per day); waiting {WaitMs} ms before identifying")]
    public static partial void SessionStartLimitReached(this ILogger logger, int shardId, int total, long waitMs);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Shard {ShardId}: connected to the gateway ({Mode})")]
    public static partial void Connected(this ILogger logger, int shardId, string mode);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Shard {ShardId}: no Hello within {TimeoutSeconds} s")]
    public static partial void NoHello(this ILogger logger, int shardId, double timeoutSeconds);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Shard {ShardId}: connection dropped ({Error})")]
    public static partial void ConnectionDropped(this ILogger logger, int shardId, string error);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Shard {ShardId}: gateway closed with {CloseCode} ({Meaning}); next: {Action}")]
    public static partial void Closed(this ILogger logger, int shardId, int? closeCode, string meaning, ReconnectAction action);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Shard {ShardId}: READY (session established)")]
    public static partial void Ready(this ILogger logger, int shardId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Shard {ShardId}: RESUMED at sequence {Sequence}")]
    public static partial void Resumed(this ILogger logger, int shardId, long? sequence);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped a {Event} that could not be handled")]
    public static partial void DispatchDropped(this ILogger logger, Exception exception, int shardId, string? @event);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Shard {ShardId}: Discord asked us to reconnect (op 7); resuming")]
    public static partial void ReconnectRequested(this ILogger logger, int shardId);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Shard {ShardId}: invalid session (op 9, resumable: {Resumable})")]
    public static partial void InvalidSession(this ILogger logger, int shardId, bool resumable);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Debug, Message = "Shard {ShardId}: ignoring opcode {Opcode}")]
    public static partial void IgnoringOpcode(this ILogger logger, int shardId, int opcode);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "Shard {ShardId}: identify failed ({Error}); reconnecting")]
    public static partial void IdentifyFailed(this ILogger logger, int shardId, string error);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Shard {ShardId}: heartbeat not acknowledged; the connection is a zombie. Reconnecting to resume")]
    public static partial void Zombie(this ILogger logger, int shardId);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Debug, Message = "Shard {ShardId}: close handshake failed ({Error})")]
    public static partial void CloseHandshakeFailed(this ILogger logger, int shardId, string error);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "Could not write the heartbeat file {HeartbeatFile}")]
    public static partial void HeartbeatFileFailed(this ILogger logger, Exception exception, string? heartbeatFile);
}
