using System.Numerics.Tensors;
using PaperBot.Core.Search;

namespace PaperBot.Core.Tests.Search;

public sealed class QuantizedVectorsTests
{
    private const int Dimensions = 384;

    [Fact]
    public void Dot_LongVectorsWithExtremeCodes_EqualsScalarSum()
    {
        var random = new Random(7);
        var a = Enumerable.Range(0, 100).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var b = Enumerable.Range(0, 100).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        a[0] = b[0] = -127;

        Assert.Equal(a.Zip(b, (x, y) => x * y).Sum(), QuantizedVectors.Dot(a, b));
    }

    [Fact]
    public void Nearest_RandomUnitVectors_SimilaritiesWithinOneHundredthOfFloatCosineAndSameBest()
    {
        var random = new Random(11);
        var vectors = Enumerable.Range(0, 500).Select(_ => UnitVector(random)).ToList();
        var quantized = new QuantizedVectors(Dimensions, vectors.Count);
        vectors.ForEach(v => quantized.Add(v));
        var query = vectors[123].Zip(UnitVector(random), (x, y) => x + (0.3f * y)).ToArray();
        TensorPrimitives.Divide(query, TensorPrimitives.Norm(query), query);

        var nearest = quantized.Nearest(query, 5);

        Assert.Equal(123, nearest[0].Index);
        foreach (var (index, similarity) in nearest)
        {
            Assert.InRange(similarity - TensorPrimitives.Dot(vectors[index], query), -0.01f, 0.01f);
            Assert.InRange(quantized.SimilarityTo(index, query) - TensorPrimitives.Dot(vectors[index], query), -0.01f, 0.01f);
        }
    }

    private static float[] UnitVector(Random random)
    {
        var v = Enumerable.Range(0, Dimensions).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
