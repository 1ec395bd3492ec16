using System.Globalization;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Core.Digests;

/// <summary>
/// Builds a channel's digest: the papers added since its last digest (never one already posted there),
/// ranked by embedding similarity to its topics (each topic moved by the channel's 👍/👎 votes, Rocchio
/// style) plus a category bonus; with a model, the short list is scored 1-10 with a one-line reason.
/// </summary>
public sealed partial class DigestComposer
{
    /// <summary>Similarity at or below which the 0-10 relevance is 0.</summary>
    internal const double SimilarityFloor = 0.10;

    /// <summary>Similarity span mapped onto 0-10 (0.10 → 0, 0.60 → 10).</summary>
    internal const double SimilaritySpan = 0.50;

    private const double CategoryBonus = 0.10;

    private readonly IDigestStore _store;
    private readonly PassageEmbedder _embedder;
    private readonly IDigestJudge _judge;
    private readonly DigestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DigestComposer> _logger;

    public DigestComposer(IDigestStore store, PassageEmbedder embedder, IDigestJudge judge, IOptions<DigestOptions> options, TimeProvider time, ILogger<DigestComposer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _embedder = embedder;
        _judge = judge;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>What the subscription's next digest holds if it were posted now.</summary>
    public async Task<Digest> ComposeAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var topics = DigestTopics.Parse(subscription.Topics);
        topics = topics with { Categories = [.. topics.Categories.Union(subscription.Categories, StringComparer.OrdinalIgnoreCase)] };
        DateTimeOffset? since = subscription.HighWater is null ? _time.GetUtcNow() - _options.FirstLookback : null;
        var votes = await _store.GetVotesAsync(subscription.ChannelId, cancellationToken);
        return await ComposeCoreAsync(
            subscription.Topics, topics, subscription.ChannelId, subscription.HighWater, since,
            subscription.MaxPapers, subscription.MinScore, votes, cancellationToken);
    }

    /// <summary>The digest a channel with these topics would get from papers added since <paramref name="since"/> (all when null).</summary>
    public async Task<Digest> PreviewAsync(string topics, DateTimeOffset? since, int max, double? minScore, CancellationToken cancellationToken)
    {
        var parsed = Validate(topics);
        return await ComposeCoreAsync(topics, parsed, null, null, since, max, minScore ?? _options.DefaultMinScore, [], cancellationToken);
    }

    /// <summary>Parses topics; a user-facing problem when there is nothing to match on.</summary>
    public static DigestTopics Validate(string? topics)
    {
        var parsed = DigestTopics.Parse(topics ?? "");
        if (parsed.IsEmpty)
        {
            throw new UserFacingException("Topics are empty. Give a few comma-separated topics and/or arXiv categories, for example \"mixture of experts, sparse expert routing, cs.LG\".");
        }

        return parsed;
    }

    private async Task<Digest> ComposeCoreAsync(
        string topicsText, DigestTopics topics, string? channelId, long? afterArrival, DateTimeOffset? since,
        int max, double minScore, IReadOnlyList<DigestVote> votes, CancellationToken cancellationToken)
    {
        await _embedder.EnsureCurrentAsync(null, cancellationToken);
        var upTo = await _store.GetArrivalHighWaterAsync(cancellationToken);
        var candidates = await _store.GetCandidatesAsync(channelId, afterArrival, since, upTo, cancellationToken);
        var profile = await BuildProfileAsync(topics, votes, cancellationToken);

        var scored = candidates
            .Where(c => c.Vector is not null)
            .Select(c => Score(c, topics, profile))
            .OrderByDescending(s => s.Similarity)
            .ThenBy(s => s.Paper.Id, StringComparer.Ordinal)
            .ToList();

        var modelScored = false;
        var shortlist = scored.Take(_options.ModelShortlist).ToList();
        if (shortlist.Count > 0)
        {
            var verdicts = await _judge.JudgeAsync(topicsText, [.. shortlist.Select(s => s.Paper)], cancellationToken);
            if (verdicts is not null && shortlist.All(s => verdicts.ContainsKey(s.Paper.Id)))
            {
                modelScored = true;
                foreach (var item in shortlist)
                {
                    var verdict = verdicts[item.Paper.Id];
                    item.Score = verdict.Score;
                    item.Reason = verdict.Reason;
                    if (!string.IsNullOrWhiteSpace(verdict.Blurb))
                    {
                        item.Blurb = verdict.Blurb.Trim();
                        item.BlurbMode = BlurbMode.Generated;
                    }
                }

                // Beyond the short list the model did not look: those keep similarity scores but rank after.
                scored = [.. shortlist.OrderByDescending(s => s.Score).ThenByDescending(s => s.Similarity), .. scored.Skip(shortlist.Count)];
            }
            else if (verdicts is not null)
            {
                _logger.LogWarning("Digest scoring: the model's answer did not cover every short-listed paper; ranking by similarity");
            }
        }

        var entries = scored
            .Where(s => s.Score >= minScore)
            .Take(max)
            .Select(s => new DigestEntry(
                s.Paper.Id, s.Paper.Title, s.Paper.Link, ShortAuthors(s.Paper.Authors), s.Blurb, s.BlurbMode, s.Reason,
                Math.Round(s.Score, 1), Math.Round(s.Similarity, 4)))
            .ToList();

        return new Digest(topicsText, entries, Split(topicsText, entries), upTo, candidates.Count, modelScored, votes.Count);
    }

    private IReadOnlyList<DigestPart> Split(string topics, List<DigestEntry> entries)
    {
        if (entries.Count == 0)
        {
            return string.IsNullOrWhiteSpace(_options.NothingNewMessage) ? [] : [new DigestPart(1, 1, _options.NothingNewMessage, [])];
        }

        var chunks = entries.Chunk(Digest.EntriesPerPart).ToList();
        var date = _time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var header = $"📰 **Paper digest · {date}** · {entries.Count} new paper{(entries.Count == 1 ? "" : "s")} on *{Cut(topics, 300)}*";
        return [.. chunks.Select((chunk, i) => new DigestPart(i + 1, chunks.Count, i == 0 ? header : null, chunk))];
    }

    private sealed record TopicVector(string Phrase, float[] Vector);

    private async Task<List<TopicVector>> BuildProfileAsync(DigestTopics topics, IReadOnlyList<DigestVote> votes, CancellationToken cancellationToken)
    {
        var profile = new List<TopicVector>();
        foreach (var phrase in topics.Phrases)
        {
            profile.Add(new TopicVector(phrase, await _embedder.EmbedQueryAsync(phrase, cancellationToken)));
        }

        if (votes.Count == 0 || profile.Count == 0)
        {
            return profile;
        }

        // Rocchio: q' = q + β·mean(liked) − γ·mean(disliked), per topic, renormalized.
        var vectors = await _store.GetPaperVectorsAsync([.. votes.Select(v => v.PaperId)], cancellationToken);
        var liked = Centroid(votes.Where(v => v.Vote > 0).Select(v => vectors.GetValueOrDefault(v.PaperId)));
        var disliked = Centroid(votes.Where(v => v.Vote < 0).Select(v => vectors.GetValueOrDefault(v.PaperId)));
        return [.. profile.Select(t =>
        {
            var q = (float[])t.Vector.Clone();
            if (liked is not null)
            {
                TensorPrimitives.MultiplyAdd(liked, (float)_options.LikeWeight, q, q);
            }

            if (disliked is not null)
            {
                TensorPrimitives.MultiplyAdd(disliked, (float)-_options.DislikeWeight, q, q);
            }

            return t with { Vector = VectorMath.Normalized(q) };
        })];
    }

    private static float[]? Centroid(IEnumerable<float[]?> vectors)
    {
        var list = vectors.OfType<float[]>().ToList();
        if (list.Count == 0)
        {
            return null;
        }

        var sum = new float[list[0].Length];
        foreach (var v in list.Where(v => v.Length == sum.Length))
        {
            TensorPrimitives.Add(sum, v, sum);
        }

        return VectorMath.Normalized(sum);
    }

    private sealed class Scored(Paper paper)
    {
        public Paper Paper { get; } = paper;

        public double Similarity { get; set; }

        public double Score { get; set; }

        public string Reason { get; set; } = "";

        public string Blurb { get; set; } = "";

        public BlurbMode BlurbMode { get; set; } = BlurbMode.Extractive;
    }

    private static Scored Score(DigestCandidate candidate, DigestTopics topics, List<TopicVector> profile)
    {
        var result = new Scored(candidate.Paper);
        var vector = candidate.Vector!;
        var best = profile
            .Where(t => t.Vector.Length == vector.Length)
            .Select(t => (t.Phrase, Similarity: (double)TensorPrimitives.Dot(t.Vector, vector)))
            .OrderByDescending(t => t.Similarity)
            .FirstOrDefault();
        var category = candidate.Paper.Categories.FirstOrDefault(c => topics.Categories.Contains(c, StringComparer.OrdinalIgnoreCase));
        var similarity = best.Phrase is null ? 0 : best.Similarity;
        if (category is not null)
        {
            similarity += profile.Count == 0 ? SimilarityFloor + (SimilaritySpan / 2) : CategoryBonus;
        }

        result.Similarity = similarity;
        result.Score = Math.Clamp(10 * (similarity - SimilarityFloor) / SimilaritySpan, 0, 10);
        var reasons = new List<string>();
        if (best.Phrase is not null)
        {
            reasons.Add($"closest to your topic “{best.Phrase}” (similarity {best.Similarity.ToString("0.00", CultureInfo.InvariantCulture)})");
        }

        if (category is not null)
        {
            reasons.Add($"in {category}");
        }

        result.Reason = string.Join("; ", reasons);
        result.Blurb = KeySentence(candidate.Paper.Abstract);
        return result;
    }

    /// <summary>The abstract's key sentence: the first that states the contribution, else the first.</summary>
    internal static string KeySentence(string abstractText)
    {
        var sentences = SentenceBreak().Split(abstractText.Trim()).Where(s => s.Length > 20).ToList();
        if (sentences.Count == 0)
        {
            return Cut(abstractText, 300);
        }

        var key = sentences.FirstOrDefault(s => ContributionCue().IsMatch(s)) ?? sentences[0];
        return Cut(key, 300);
    }

    /// <summary>"A, B, C" for up to three authors, else "A, B et al.".</summary>
    internal static string ShortAuthors(IReadOnlyList<string> authors) => authors.Count switch
    {
        0 => "",
        <= 3 => string.Join(", ", authors),
        _ => $"{authors[0]}, {authors[1]} et al.",
    };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z(])")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"\b(we|this (paper|work)|our)\s+(propose|introduce|present|show|develop|release|find|demonstrate|study|survey|provide)", RegexOptions.IgnoreCase)]
    private static partial Regex ContributionCue();
}
