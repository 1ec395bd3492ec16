using PaperBot.Core.Assistant;
using PaperBot.Core.Library;

namespace PaperBot.Core.Conversations;

/// <summary>A conversation held in a Discord thread the bot created.</summary>
public sealed record Conversation(string ThreadId, string? GuildId, string ChannelId, string? StartedBy, DateTimeOffset CreatedAt, DateTimeOffset LastActiveAt, bool HintSent);

/// <summary>Conversations (thread id → turns), shared by every process on the library. One implementation per database.</summary>
public interface IConversationStore
{
    /// <summary>Starts a conversation for a thread with its first turn; a thread that already has one keeps it.</summary>
    Task StartAsync(Conversation conversation, ConversationTurn firstTurn, CancellationToken cancellationToken = default);

    /// <summary>The conversation of this thread, or null when the bot holds none there.</summary>
    Task<Conversation?> GetAsync(string threadId, CancellationToken cancellationToken = default);

    /// <summary>The last <paramref name="maxTurns"/> turns, oldest first.</summary>
    Task<IReadOnlyList<ConversationTurn>> RecentTurnsAsync(string threadId, int maxTurns, CancellationToken cancellationToken = default);

    /// <summary>Appends a turn and marks the conversation active.</summary>
    Task AddTurnAsync(string threadId, ConversationTurn turn, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Marks that the "how to continue" hint was posted; true only for the caller that marked it first.</summary>
    Task<bool> TryMarkHintSentAsync(string threadId, CancellationToken cancellationToken = default);

    /// <summary>Deletes turns older than <paramref name="before"/> and conversations left without activity since then.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
