using PaperBot.Core.Library;

namespace PaperBot.Core.Digests;

/// <summary>The model's verdict on one paper for a channel's topics.</summary>
/// <param name="Score">Relevance 1-10.</param>
/// <param name="Reason">One line on why it matches (or not).</param>
/// <param name="Blurb">One or two sentences on what the paper does, or null.</param>
public sealed record DigestJudgement(int Score, string Reason, string? Blurb);

/// <summary>
/// Scores short-listed papers against a channel's topics with the language model. Implemented by
/// PaperBot.AI; without a model endpoint the default answers null and digests rank by similarity.
/// </summary>
public interface IDigestJudge
{
    /// <summary>
    /// Verdicts by paper id, or null when no model is configured or its answer was unusable (malformed
    /// JSON, scores out of range, unknown ids): the caller then falls back to similarity.
    /// </summary>
    Task<IReadOnlyDictionary<string, DigestJudgement>?> JudgeAsync(string topics, IReadOnlyList<Paper> papers, CancellationToken cancellationToken);
}

/// <summary>No model: digests rank by embedding similarity with extractive blurbs.</summary>
internal sealed class SimilarityOnlyJudge : IDigestJudge
{
    public Task<IReadOnlyDictionary<string, DigestJudgement>?> JudgeAsync(string topics, IReadOnlyList<Paper> papers, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, DigestJudgement>?>(null);
}

/// <summary>Posts digest parts to a channel. Implemented by PaperBot.Discord.</summary>
public interface IDigestPoster
{
    /// <summary>
    /// Posts one part with <paramref name="marker"/>'s nonce (enforced, so a retry inside Discord's window
    /// returns the first message) and its tag visible in the message. Returns the message id. Throws
    /// <see cref="DigestChannelUnavailableException"/> when the channel is gone or the bot may not post there.
    /// </summary>
    /// <param name="runId">The run, so vote buttons can name an entry as (run, index) and find its paper in the library.</param>
    Task<string> PostAsync(Subscription subscription, long runId, DigestPart part, DigestMarker marker, CancellationToken cancellationToken);

    /// <summary>The id of a recent message in the channel that carries <paramref name="marker"/>'s tag, or null.</summary>
    Task<string?> FindPostedAsync(string channelId, DigestMarker marker, CancellationToken cancellationToken);
}

/// <summary>
/// Identifies one part of one digest run: <see cref="Nonce"/> (Discord's idempotency key, at most 25
/// characters) and <see cref="Tag"/>, the same key written into the message so it can be found again.
/// </summary>
public sealed record DigestMarker(string Nonce, string Tag)
{
    /// <summary>The marker for part <paramref name="part"/> (1-based) of the run (subscription, occurrence).</summary>
    public static DigestMarker For(long subscriptionId, string occurrence, int part)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{subscriptionId}|{occurrence}|{part}"));
        var nonce = "pbd" + Convert.ToHexString(hash)[..20].ToLowerInvariant();
        return new DigestMarker(nonce, "ref " + nonce);
    }
}

/// <summary>The channel cannot take posts (deleted, or the bot lost a permission); the subscription is paused.</summary>
public sealed class DigestChannelUnavailableException : Exception
{
    public DigestChannelUnavailableException() { }

    public DigestChannelUnavailableException(string message) : base(message) { }

    public DigestChannelUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
