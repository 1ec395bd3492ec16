using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Embeddings;

namespace PaperBot.Core.Tests.Embeddings;

/// <summary>One loaded generator per model for the whole test class: loading a model takes about a second.</summary>
public sealed class LocalEmbeddingGeneratorFixture : IDisposable
{
    public LocalEmbeddingGenerator MiniLM { get; } = Create("MiniLM");

    public LocalEmbeddingGenerator ArcticXs { get; } = Create("ArcticXs");

    public LocalEmbeddingGenerator Get(string model) => model == "MiniLM" ? MiniLM : ArcticXs;

    public static LocalEmbeddingGenerator Create(string model, int maxTokens = 256, int batchSize = 4, EmbeddingPrecision precision = EmbeddingPrecision.Full) =>
        new(Options.Create(new EmbeddingOptions { LocalModel = model, MaxTokens = maxTokens, BatchSize = batchSize, Precision = precision }),
            NullLogger<LocalEmbeddingGenerator>.Instance);

    public void Dispose()
    {
        MiniLM.Dispose();
        ArcticXs.Dispose();
    }
}
