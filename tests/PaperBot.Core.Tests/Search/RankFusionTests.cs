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
}
