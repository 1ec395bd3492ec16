namespace PaperBot.Core.Search;

/// <summary>How the embedding and BM25 rankings are combined into one.</summary>
public enum FusionMethod
{
    /// <summary>Weighted reciprocal rank: <c>w / (K + rank)</c> summed over the rankings; ignores the scores.</summary>
    ReciprocalRank,

    /// <summary>
    /// Weighted sum of each ranking's scores scaled to [0, 1] over its own candidates (min-max), so that how far
    /// apart two candidates are counts, not only their order.
    /// </summary>
    NormalizedScore,

    /// <summary>
    /// Weighted sum of each ranking's scores in standard deviations above its lowest candidate: like
    /// <see cref="NormalizedScore"/>, but one outlier at the top does not squash the rest of the ranking.
    /// </summary>
    StandardScore,

    /// <summary>
    /// CombMNZ: the <see cref="NormalizedScore"/> sum multiplied by the number of rankings that hold the candidate,
    /// which favours passages both rankings found.
    /// </summary>
    NormalizedScoreTimesHits,
}

/// <summary>Combines candidate lists (passage index, score; best first) into one ranking.</summary>
internal static class RankFusion
{
    /// <summary>Fuses the semantic and the lexical ranking.</summary>
    public static List<(int Index, double Score)> Fuse(
        FusionMethod method, int fusionK, double semanticWeight, double lexicalWeight,
        IReadOnlyList<(int Index, double Score)> semantic, IReadOnlyList<(int Index, double Score)> lexical) =>
        Fuse(method, fusionK, [(semantic, semanticWeight), (lexical, lexicalWeight)]);

    /// <summary>Fuses any number of weighted rankings; a ranking with weight 0 or no candidates adds nothing.</summary>
    public static List<(int Index, double Score)> Fuse(
        FusionMethod method, int fusionK, IReadOnlyList<(IReadOnlyList<(int Index, double Score)> Ranking, double Weight)> rankings)
    {
        var scores = new Dictionary<int, (double Score, int Hits)>();
        foreach (var (ranking, weight) in rankings)
        {
            Add(scores, ranking, weight, method, fusionK);
        }

        var fused = new List<(int Index, double Score)>(scores.Count);
        foreach (var (index, (score, hits)) in scores)
        {
            fused.Add((index, method == FusionMethod.NormalizedScoreTimesHits ? score * hits : score));
        }

        fused.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));
        return fused;
    }

    private static void Add(
        Dictionary<int, (double Score, int Hits)> scores, IReadOnlyList<(int Index, double Score)> ranking, double weight, FusionMethod method, int fusionK)
    {
        if (ranking.Count == 0 || weight == 0)
        {
            return;
        }

        double min = double.MaxValue, max = double.MinValue, sum = 0;
        foreach (var (_, score) in ranking)
        {
            min = Math.Min(min, score);
            max = Math.Max(max, score);
            sum += score;
        }

        var spread = max - min;
        if (method == FusionMethod.StandardScore)
        {
            var mean = sum / ranking.Count;
            var squares = 0.0;
            foreach (var (_, score) in ranking)
            {
                squares += (score - mean) * (score - mean);
            }

            spread = Math.Sqrt(squares / ranking.Count);
        }

        for (var rank = 0; rank < ranking.Count; rank++)
        {
            var (index, score) = ranking[rank];
            var contribution = method == FusionMethod.ReciprocalRank
                ? weight / (fusionK + rank + 1)
                : weight * (spread > 0 ? (score - min) / spread : 1.0);
            var (total, hits) = scores.GetValueOrDefault(index);
            scores[index] = (total + contribution, hits + 1);
        }
    }
}
