using System.Numerics.Tensors;

namespace PaperBot.Core.Search;

internal static class VectorMath
{
    /// <summary>A unit-length copy, so that a dot product is the cosine similarity.</summary>
    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var result = vector.ToArray();
        var norm = TensorPrimitives.Norm(result);
        if (norm > 0)
        {
            TensorPrimitives.Divide(result, norm, result);
        }

        return result;
    }
}
