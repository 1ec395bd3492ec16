using PaperBot.Core.Library;

namespace PaperBot.Core.Feeds;

/// <summary>Who holds the feed lease, and until when.</summary>
public sealed record FeedLeaseHolder(string Holder, DateTimeOffset Until);

/// <summary>
/// The lease that lets one process at a time fetch feeds from a shared store. It expires on its own, so a holder
/// that dies without releasing it blocks the others only until then (or not at all when it is known to be dead).
/// </summary>
public interface IFeedLease
{
    /// <summary>
    /// Takes the lease for <paramref name="holder"/> until <paramref name="until"/>, or renews it when the holder
    /// has it already. Succeeds over another holder only when that lease has expired at <paramref name="now"/>
    /// or that holder is <paramref name="deadHolder"/>. One atomic statement: two processes never both win.
    /// </summary>
    Task<bool> TryAcquireAsync(string holder, DateTimeOffset now, DateTimeOffset until, string? deadHolder, CancellationToken cancellationToken);

    /// <summary>Gives the lease up, if <paramref name="holder"/> still has it.</summary>
    Task ReleaseAsync(string holder, CancellationToken cancellationToken);

    /// <summary>The current holder (expired or not), or null when nobody holds the lease.</summary>
    Task<FeedLeaseHolder?> GetAsync(CancellationToken cancellationToken);
}
