using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Search;

public sealed class PassageEmbedderTests
{
    [Fact]
    public async Task Search_AfterEmbeddingModelChange_ReembedsEveryPassageWithTheNewModel()
    {
        using var library = new TestLibrary(new HashingEmbeddingGenerator("model-a"));
        await library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));
        Assert.Equal("test:model-a", (await library.Papers.GetStatsAsync()).EmbeddingModel);

        var modelB = new HashingEmbeddingGenerator("model-b");
        using var embedder = new PassageEmbedder(modelB, library.Passages, NullLogger<PassageEmbedder>.Instance);
        using var search = library.CreateSearch(embedder: embedder);
        var hits = await search.SearchAsync("dexterous manipulation", 3);

        var stats = await library.Papers.GetStatsAsync();
        Assert.Equal("test:model-b", stats.EmbeddingModel);
        Assert.Equal(5, stats.EmbeddedPassages);
        Assert.Equal(5, modelB.TextsEmbedded - 1); // five passages re-embedded, plus the query
        Assert.NotEmpty(hits);
    }

    /// <summary>A deterministic bag-of-words embedding, so a test can tell two "models" apart.</summary>
    private sealed class HashingEmbeddingGenerator(string model) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public int TextsEmbedded { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (var text in values)
            {
                TextsEmbedded++;
                var vector = new float[64];
                foreach (var word in text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    vector[(int)((uint)string.GetHashCode(word + model, StringComparison.Ordinal) % 64)] += 1;
                }

                vector[0] += 0.001f;
                result.Add(new Embedding<float>(vector));
            }

            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, model) : null;

        public void Dispose()
        {
        }
    }
}
