using System.Globalization;
using System.Text.Json;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Core.Digests;

/// <summary>What a subscribe command asks for, already validated.</summary>
public sealed record SubscriptionDraft(
    string? GuildId, string ChannelId, string Topics, IReadOnlyList<string> Categories,
    string Cron, string TimeZone, int MaxPapers, double MinScore, string? CreatedBy);

/// <summary>A paper considered for a digest, with its title-and-abstract vector.</summary>
public sealed record DigestCandidate(Paper Paper, float[]? Vector);

/// <summary>Run states.</summary>
public static class DigestRunStates
{
    public const string Claimed = "claimed";
    public const string Done = "done";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>A claimed (or finished) digest run: the unique (subscription, occurrence) key and what was posted.</summary>
public sealed record DigestRun(
    long Id,
    long SubscriptionId,
    string Occurrence,
    string State,
    string ClaimedBy,
    DateTimeOffset LeaseUntil,
    string? Plan,
    IReadOnlyList<string> MessageIds,
    string? Error);

/// <summary>A channel's vote on a paper: +1 more like this, -1 less like this.</summary>
public sealed record DigestVote(string PaperId, int Vote);

/// <summary>
/// The library's papers as digests read them: arrivals in insertion order and title-and-abstract vectors. Kept
/// apart from <see cref="IDigestStore"/> so that a digest store on another database reads papers from wherever
/// they live.
/// </summary>
public interface IDigestPaperSource
{
    /// <summary>The newest library arrival number (0 for an empty library).</summary>
    Task<long> GetArrivalHighWaterAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Papers that arrived after <paramref name="afterArrival"/> (or, when null, were added at or after
    /// <paramref name="addedSince"/>; everything when both are null), up to <paramref name="upToArrival"/>.
    /// </summary>
    Task<IReadOnlyList<DigestCandidate>> GetArrivalsAsync(long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken);

    /// <summary>Title-and-abstract vectors of these papers (those that have one).</summary>
    Task<IReadOnlyDictionary<string, float[]>> GetPaperVectorsAsync(IReadOnlyList<string> paperIds, CancellationToken cancellationToken);
}

/// <summary>Subscriptions, runs, posted papers and votes (the digest aggregate) in the library.</summary>
public interface IDigestStore
{
    Task<Subscription> UpsertSubscriptionAsync(SubscriptionDraft draft, DateTimeOffset now, CancellationToken cancellationToken);

    Task<Subscription?> GetSubscriptionAsync(string channelId, CancellationToken cancellationToken);

    Task<Subscription?> GetSubscriptionAsync(long id, CancellationToken cancellationToken);

    /// <summary>All subscriptions, or one server's.</summary>
    Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string? guildId, CancellationToken cancellationToken);

    Task<bool> RemoveSubscriptionAsync(string channelId, CancellationToken cancellationToken);

    Task PauseAsync(long subscriptionId, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The newest library arrival number (0 for an empty library).</summary>
    Task<long> GetArrivalHighWaterAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Papers that arrived after <paramref name="afterArrival"/> (or, when null, were added at or after
    /// <paramref name="addedSince"/>; everything when both are null), up to <paramref name="upToArrival"/>,
    /// never one already posted to <paramref name="channelId"/>.
    /// </summary>
    Task<IReadOnlyList<DigestCandidate>> GetCandidatesAsync(
        string? channelId, long? afterArrival, DateTimeOffset? addedSince, long upToArrival, CancellationToken cancellationToken);

    /// <summary>Title-and-abstract vectors of these papers (those that have one).</summary>
    Task<IReadOnlyDictionary<string, float[]>> GetPaperVectorsAsync(IReadOnlyList<string> paperIds, CancellationToken cancellationToken);

    /// <summary>Claims (subscription, occurrence); null when another process or an earlier run has it.</summary>
    Task<DigestRun?> TryClaimAsync(long subscriptionId, string occurrence, string owner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Takes over an unfinished run whose lease ran out (its process died); null when someone else holds it.</summary>
    /// <summary>
    /// Takes over a claimed run whose lease has run out, or whose claimant is <paramref name="deadOwner"/> (a process
    /// known to have died); null when another process holds it.
    /// </summary>
    Task<DigestRun?> TryTakeOverAsync(long runId, string owner, string? deadOwner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    Task<DigestRun?> GetRunAsync(long subscriptionId, string occurrence, CancellationToken cancellationToken);

    Task<DigestRun?> GetRunAsync(long runId, CancellationToken cancellationToken);

    Task<IReadOnlyList<DigestRun>> ListUnfinishedRunsAsync(CancellationToken cancellationToken);

    /// <summary>Stores the composed plan unless one is stored already; returns the run with the plan that stands.</summary>
    Task<DigestRun> SavePlanAsync(long runId, string plan, CancellationToken cancellationToken);

    /// <summary>Records part <paramref name="partIndex"/> (0-based) as posted and extends the lease.</summary>
    Task RecordPartAsync(long runId, int partIndex, string messageId, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Marks the run done, the papers posted to the channel, and moves the subscription's high-water mark.</summary>
    Task CompleteRunAsync(DigestRun run, string channelId, IReadOnlyList<string> paperIds, long highWater, string result, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends a run without posting (skipped as missed, or failed), so it is never tried again.</summary>
    Task EndRunAsync(long runId, string state, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records an occurrence that will never be posted (too old after downtime).</summary>
    Task RecordSkippedAsync(long subscriptionId, string occurrence, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    Task RecordVoteAsync(string channelId, string paperId, string userId, int vote, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A channel's votes, summed per paper (non-zero only).</summary>
    Task<IReadOnlyList<DigestVote>> GetVotesAsync(string channelId, CancellationToken cancellationToken);
}
