namespace PaperBot.Core.Digests;

/// <summary>A channel's digest subscription.</summary>
/// <param name="Id">Library id.</param>
/// <param name="GuildId">The Discord server (null when created from the shell without one).</param>
/// <param name="ChannelId">The Discord channel the digest is posted to (one subscription per channel).</param>
/// <param name="Topics">Free-text topics, comma separated ("mixture of experts, sparse expert routing").</param>
/// <param name="Categories">arXiv categories (cs.CL); a paper in one of them gets a bonus.</param>
/// <param name="Cron">The schedule as a Cronos expression (a daily time is stored as "mm HH * * *").</param>
/// <param name="TimeZone">IANA time zone the schedule is read in.</param>
/// <param name="MaxPapers">Papers per digest, 1-20.</param>
/// <param name="MinScore">Relevance (0-10) below which papers are dropped.</param>
/// <param name="HighWater">The library arrival number up to which papers were considered by the last posted digest; null before the first.</param>
/// <param name="CreatedAt">When it was created; occurrences before it are never posted.</param>
/// <param name="PausedReason">Why posting is paused (channel deleted, permission lost), or null.</param>
/// <param name="LastResult">What the last run did, for <c>/digest list</c>.</param>
/// <param name="LastRunAt">When the last run finished.</param>
public sealed record Subscription(
    long Id,
    string? GuildId,
    string ChannelId,
    string Topics,
    IReadOnlyList<string> Categories,
    string Cron,
    string TimeZone,
    int MaxPapers,
    double MinScore,
    long? HighWater,
    DateTimeOffset CreatedAt,
    string? PausedReason,
    string? LastResult,
    DateTimeOffset? LastRunAt)
{
    /// <summary>The topics as separate phrases.</summary>
    public IReadOnlyList<string> TopicPhrases => DigestTopics.SplitPhrases(Topics);
}

/// <summary>What a digest is about: topic phrases and arXiv categories, parsed from free text.</summary>
public sealed record DigestTopics(IReadOnlyList<string> Phrases, IReadOnlyList<string> Categories)
{
    private static readonly System.Text.RegularExpressions.Regex CategoryPattern =
        new(@"^(cs|math|stat|physics|q-bio|q-fin|econ|eess|astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|quant-ph)(\.[A-Za-z\-]{2,})?$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Splits "mixture of experts, cs.LG; sparse routing" into phrases and categories.</summary>
    public static DigestTopics Parse(string text)
    {
        var phrases = new List<string>();
        var categories = new List<string>();
        foreach (var part in SplitPhrases(text))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var rest = new List<string>();
            foreach (var word in words)
            {
                if (CategoryPattern.IsMatch(word) && word.Contains('.', StringComparison.Ordinal))
                {
                    categories.Add(word);
                }
                else
                {
                    rest.Add(word);
                }
            }

            if (rest.Count > 0)
            {
                phrases.Add(string.Join(' ', rest));
            }
        }

        return new DigestTopics(phrases, categories.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
    }

    internal static IReadOnlyList<string> SplitPhrases(string text) =>
        [.. (text ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(p => p.Length > 0)];

    /// <summary>True when there is nothing to match on.</summary>
    public bool IsEmpty => Phrases.Count == 0 && Categories.Count == 0;
}
