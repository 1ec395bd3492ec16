using System.ComponentModel.DataAnnotations;

namespace PaperBot.Discord.Conversations;

/// <summary>Conversations in Discord threads and the answers behind buttons. Section <c>Conversations</c>.</summary>
public sealed class ConversationOptions : IValidatableObject
{
    public const string SectionName = "Conversations";

    /// <summary>At most this many earlier turns go with a follow-up.</summary>
    [Range(1, 50)]
    public int HistoryTurns { get; set; } = 6;

    /// <summary>The earlier turns sent with a follow-up stay within this many tokens (about 4 characters each); older ones are left out.</summary>
    [Range(100, 32_000)]
    public int HistoryTokens { get; set; } = 2_000;

    /// <summary>Turns older than this, and conversations idle that long, are deleted from the library.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Answers behind buttons are kept this long; an older button says its data is gone.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan AnswerRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often old turns and answers are pruned.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A streamed answer is edited at most once per this interval (Discord allows about 5 edits per 5 s per message).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:30")]
    public TimeSpan StreamEditInterval { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>Minutes of inactivity after which Discord archives a conversation thread: 60, 1440, 4320 or 10080.</summary>
    public int ThreadAutoArchiveMinutes { get; set; } = 1440;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ThreadAutoArchiveMinutes is not (60 or 1440 or 4320 or 10080))
        {
            yield return new ValidationResult("Conversations:ThreadAutoArchiveMinutes must be 60, 1440, 4320 or 10080.", [nameof(ThreadAutoArchiveMinutes)]);
        }
    }
}
