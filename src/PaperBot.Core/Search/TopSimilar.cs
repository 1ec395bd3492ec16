namespace PaperBot.Core.Search;

/// <summary>Scores one vector of an exact scan against the query.</summary>
internal interface IVectorScorer
{
    float Score(int index);
}

/// <summary>The best of an exact scan, kept in a bounded heap (one pass, no sort of the whole library).</summary>
internal static class TopSimilar
{
    /// <summary>The <paramref name="top"/> best of vectors 0…<paramref name="count"/>-1, best first.</summary>
    public static List<(int Index, float Similarity)> Select<TScorer>(int count, int top, TScorer scorer)
        where TScorer : IVectorScorer, allows ref struct
    {
        var heap = new PriorityQueue<int, float>(top + 1);
        for (var i = 0; i < count; i++)
        {
            var similarity = scorer.Score(i);
            if (heap.Count < top)
            {
                heap.Enqueue(i, similarity);
            }
            else if (heap.TryPeek(out _, out var worst) && similarity > worst)
            {
                heap.DequeueEnqueue(i, similarity);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var index, out var similarity))
        {
            result.Add((index, similarity));
        }

        result.Reverse();
        return result;
    }
}
