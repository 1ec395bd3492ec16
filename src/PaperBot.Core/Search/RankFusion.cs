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
}

/// <summary>Combines a semantic and a lexical candidate list (passage index, score; best first) into one ranking.</summary>
internal static class RankFusion
{
    public static List<(int Index, double Score)> Fuse(
        FusionMethod method, int fusionK, double semanticWeight, double lexicalWeight,
        IReadOnlyList<(int Index, double Score)> semantic, IReadOnlyList<(int Index, double Score)> lexical)
    {
        var scores = new Dictionary<int, double>(semantic.Count + lexical.Count);
        Add(scores, semantic, semanticWeight, method, fusionK);
        Add(scores, lexical, lexicalWeight, method, fusionK);
        var fused = new List<(int Index, double Score)>(scores.Count);
        foreach (var (index, score) in scores)
        {
            fused.Add((index, score));
        }

        fused.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));
        return fused;
    }

    private static void Add(Dictionary<int, double> scores, IReadOnlyList<(int Index, double Score)> ranking, double weight, FusionMethod method, int fusionK)
    {
        if (ranking.Count == 0 || weight == 0)
        {
            return;
        }

        double min = double.MaxValue, max = double.MinValue;
        foreach (var (_, score) in ranking)
        {
            min = Math.Min(min, score);
            max = Math.Max(max, score);
        }

        var range = max - min;
        for (var rank = 0; rank < ranking.Count; rank++)
        {
            var (index, score) = ranking[rank];
            var contribution = method == FusionMethod.ReciprocalRank
                ? weight / (fusionK + rank + 1)
                : weight * (range > 0 ? (score - min) / range : 1.0);
            scores[index] = scores.GetValueOrDefault(index) + contribution;
        }
    }
}
