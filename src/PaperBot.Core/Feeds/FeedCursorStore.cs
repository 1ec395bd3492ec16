using PaperBot.Core.Library;

namespace PaperBot.Core.Feeds;

/// <summary>Where a feed source got to.</summary>
/// <param name="Source">The source name.</param>
/// <param name="Position">Kind-specific: the last fetched date (HfDaily), the newest arXiv id and date seen (Arxiv), a content hash (Url).</param>
/// <param name="ETag">The validator of the last response, for a conditional GET.</param>
/// <param name="LastModified">The Last-Modified of the last response, for a conditional GET.</param>
/// <param name="ValidatorUrl">The URL the validators belong to.</param>
/// <param name="LastAttempt">When a fetch last started.</param>
/// <param name="LastSuccess">When a fetch last succeeded.</param>
/// <param name="LastError">The last failure, or null when the last fetch succeeded.</param>
/// <param name="LastAdded">Papers the last successful fetch added or updated.</param>
public sealed record FeedCursor(
    string Source,
    string? Position,
    string? ETag,
    string? LastModified,
    string? ValidatorUrl,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? LastSuccess,
    string? LastError,
    int LastAdded)
{
    public static FeedCursor Empty(string source) => new(source, null, null, null, null, null, null, null, 0);
}

/// <summary>Feed cursors in the library (one row per source).</summary>
public interface IFeedCursorStore
{
    Task<FeedCursor> GetAsync(string source, CancellationToken cancellationToken);

    Task<IReadOnlyList<FeedCursor>> ListAsync(CancellationToken cancellationToken);

    Task RecordAttemptAsync(string source, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records a successful fetch: the new position and validators, error cleared.</summary>
    Task RecordSuccessAsync(FeedCursor cursor, CancellationToken cancellationToken);

    /// <summary>Records a failure; position and validators stay, so the next run retries what was missed.</summary>
    Task RecordFailureAsync(string source, string failure, CancellationToken cancellationToken);
}
