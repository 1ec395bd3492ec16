using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace PaperBot.AI.Tests.Fakes;

/// <summary>
/// A deterministic bag-of-words embedding (hashed stems, L2-normalized): texts that share content
/// words are similar. Stands in for the local ONNX model in tests.
/// </summary>
internal sealed partial class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 512;

    private static readonly HashSet<string> StopWords =
    [
        "the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "with", "by", "is", "are", "was", "were", "be", "that",
        "this", "these", "we", "our", "it", "its", "as", "at", "from", "which", "what", "how", "can", "into", "their", "than",
        "paper", "using", "use", "used", "model", "models", "language", "large", "llms", "llm", "does", "do", "about",
    ];

    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        var result = new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v))));
        return Task.FromResult(result);
    }

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (Match word in WordRegex().Matches(text.ToLowerInvariant()))
        {
            var stem = word.Value.Length > 5 ? word.Value[..5] : word.Value;
            if (StopWords.Contains(word.Value) || stem.Length < 3)
            {
                continue;
            }

            vector[(int)((uint)StableHash(stem) % Dimensions)] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in s)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }

    [GeneratedRegex(@"[a-z0-9]+")]
    private static partial Regex WordRegex();
}
