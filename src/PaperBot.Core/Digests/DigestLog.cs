using Microsoft.Extensions.Logging;

namespace PaperBot.Core.Digests;

/// <summary>Log messages of the digest runner and scheduler (source-generated). Event ids 3100–3199 of this assembly.</summary>
internal static partial class DigestLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Digest for channel {ChannelId} at {Occurrence} is already {State}; not posting again")]
    public static partial void AlreadyClaimed(this ILogger logger, string channelId, string occurrence, string state);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Resuming the unfinished digest for channel {ChannelId} at {Occurrence} ({Posted} part(s) recorded)")]
    public static partial void Resuming(this ILogger logger, string channelId, string occurrence, int posted);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Digest for channel {ChannelId} paused: {Reason}")]
    public static partial void Paused(this ILogger logger, string channelId, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Digest for channel {ChannelId} at {Occurrence}: {Result}")]
    public static partial void Completed(this ILogger logger, string channelId, string occurrence, string result);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Error, Message = "Digest for channel {ChannelId} has an unusable schedule: {Error}")]
    public static partial void UnusableSchedule(this ILogger logger, string channelId, string error);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Digest for channel {ChannelId} due at {Occurrence} was missed (the bot was not running) and is skipped: only a digest of the same day in {TimeZone} is posted late")]
    public static partial void Missed(this ILogger logger, string channelId, string occurrence, string timeZone);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Digests: scheduled posting is off (Digest:Enabled is false)")]
    public static partial void SchedulingOff(this ILogger logger);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Error, Message = "Digest scheduler tick failed; trying again in {PollMs} ms")]
    public static partial void TickFailed(this ILogger logger, Exception exception, long pollMs);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Error, Message = "Digest for channel {ChannelId} failed; it is resumed after its lease expires")]
    public static partial void RunFailed(this ILogger logger, Exception exception, string channelId);
}
