using PaperBot.Core.Search;

namespace PaperBot.Core.Tests.Search;

public sealed class RankFusionTests
{
    [Fact]
    public void Fuse_NormalizedScore_CloseSecondInOneRankingBeatsDistantFirstInTheOther()
    {
        // Semantic: 1 barely ahead of 2; lexical: 2 far ahead of 1. Reciprocal rank calls it a tie, scores do not.
        (int, double)[] semantic = [(1, 0.80), (2, 0.79), (3, 0.20)];
        (int, double)[] lexical = [(2, 30.0), (1, 5.0), (3, 4.0)];

        var fused = RankFusion.Fuse(FusionMethod.NormalizedScore, 60, 0.5, 0.5, semantic, lexical);

        Assert.Equal([2, 1, 3], fused.Select(f => f.Index));
    }

    [Fact]
    public void Fuse_ReciprocalRank_SumsWeightOverKPlusRank()
    {
        (int, double)[] semantic = [(7, 0.9), (8, 0.5)];
        (int, double)[] lexical = [(8, 12.0)];

        var fused = RankFusion.Fuse(FusionMethod.ReciprocalRank, 10, 1.0, 2.0, semantic, lexical);

        Assert.Equal(8, fused[0].Index);
        Assert.Equal((1.0 / 12) + (2.0 / 11), fused[0].Score, 12);
        Assert.Equal(1.0 / 11, fused[1].Score, 12);
    }

    [Fact]
    public void Fuse_EmptyLexicalRanking_KeepsSemanticOrder()
    {
        (int, double)[] semantic = [(3, 0.7), (1, 0.6), (2, 0.1)];

        var fused = RankFusion.Fuse(FusionMethod.NormalizedScore, 60, 0.4, 0.6, semantic, []);

        Assert.Equal([3, 1, 2], fused.Select(f => f.Index));
    }

    [Fact]
    public void Fuse_NormalizedScoreTimesHits_PrefersWhatBothRankingsFound()
    {
        // Min-max alone: 1 and 4 (each first in one ranking) score 0.5, 2 (middle in both) 0.45. CombMNZ doubles 2.
        (int, double)[] semantic = [(1, 1.0), (2, 0.5), (3, 0.0)];
        (int, double)[] lexical = [(4, 10.0), (2, 4.0), (5, 0.0)];

        var plain = RankFusion.Fuse(FusionMethod.NormalizedScore, 60, 0.5, 0.5, semantic, lexical);
        var timesHits = RankFusion.Fuse(FusionMethod.NormalizedScoreTimesHits, 60, 0.5, 0.5, semantic, lexical);

        Assert.NotEqual(2, plain[0].Index);
        Assert.Equal(2, timesHits[0].Index);
        Assert.Equal(0.9, timesHits[0].Score, 12);
    }

    [Fact]
    public void Fuse_StandardScore_MeasuresInStandardDeviationsAboveTheLowest()
    {
        // Scores 3, 2, 1: mean 2, population standard deviation sqrt(2/3).
        (int, double)[] semantic = [(1, 3.0), (2, 2.0), (3, 1.0)];

        var fused = RankFusion.Fuse(FusionMethod.StandardScore, 60, 0.5, 0.5, semantic, []);

        Assert.Equal([1, 2, 3], fused.Select(f => f.Index));
        Assert.Equal(0.5 * 2 / Math.Sqrt(2.0 / 3), fused[0].Score, 12);
        Assert.Equal(0.0, fused[2].Score, 12);
    }

    [Fact]
    public void Fuse_ThreeRankings_WeighsEachAndSkipsAZeroWeight()
    {
        (int, double)[] first = [(1, 0.9), (2, 0.1)];
        (int, double)[] second = [(2, 0.8), (1, 0.2)];
        (int, double)[] third = [(3, 5.0), (1, 1.0)];

        var withoutThird = RankFusion.Fuse(FusionMethod.NormalizedScore, 60, [(first, 0.3), (second, 0.7), (third, 0)]);
        var withThird = RankFusion.Fuse(FusionMethod.NormalizedScore, 60, [(first, 0.3), (second, 0.7), (third, 1.0)]);

        Assert.Equal([2, 1], withoutThird.Select(f => f.Index));
        Assert.Equal([3, 2, 1], withThird.Select(f => f.Index));
    }
}
