using System.Text.Json;
using PaperBot.Core.Assistant;
using PaperBot.Core.Library;

namespace PaperBot.Core.Conversations;

/// <summary>An answer as shown in Discord, kept so that its buttons work later and in any process.</summary>
/// <param name="Id">Assigned by the store; carried in the buttons' custom ids.</param>
public sealed record StoredAnswer(
    long Id,
    string? GuildId,
    string? ChannelId,
    string? UserId,
    string Question,
    string Text,
    AnswerMode Mode,
    IReadOnlyList<Citation> Citations,
    DateTimeOffset CreatedAt);

/// <summary>The answers behind Discord buttons. One implementation per database (SQLite today).</summary>
public interface IAnswerStore
{
    /// <summary>Stores an answer and returns its id.</summary>
    Task<long> SaveAsync(StoredAnswer answer, CancellationToken cancellationToken = default);

    /// <summary>The answer with this id, or null when it was pruned (or never existed).</summary>
    Task<StoredAnswer?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Removes answers created before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
