using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using PaperBot.Core.Embeddings;

namespace PaperBot.Core.Tests.Embeddings;

public sealed class EnsembleEmbeddingTests(LocalEmbeddingGeneratorFixture fixture) : IClassFixture<LocalEmbeddingGeneratorFixture>
{
    [Fact]
    public async Task GenerateAsync_Ensemble_DotProductIsTheMeanOfBothModelsCosines()
    {
        using var ensemble = LocalEmbeddingGeneratorFixture.Create(LocalEmbeddingModels.Ensemble);
        var paper = EmbeddingTestData.SamplePapers[0];
        string[] documents = [paper.Title + "\n" + paper.Abstract, EmbeddingTestData.ArxivAbstracts(1)[0]];
        const string question = "how do mixture of experts models route tokens";

        var both = await ensemble.GenerateAsync(documents);
        var bothQuery = await ensemble.GenerateAsync([question], LocalEmbeddingGenerator.CreateQueryOptions());
        var miniLM = await fixture.MiniLM.GenerateAsync(documents);
        var miniLMQuery = await fixture.MiniLM.GenerateAsync([question], LocalEmbeddingGenerator.CreateQueryOptions());
        var arctic = await fixture.ArcticXs.GenerateAsync(documents);
        var arcticQuery = await fixture.ArcticXs.GenerateAsync([question], LocalEmbeddingGenerator.CreateQueryOptions());

        Assert.Equal(768, ensemble.Dimensions);
        Assert.Equal(768, both[0].Vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(both[0].Vector.Span), 4);
        for (var d = 0; d < documents.Length; d++)
        {
            var expected = (Dot(miniLMQuery[0], miniLM[d]) + Dot(arcticQuery[0], arctic[d])) / 2;
            Assert.Equal(expected, Dot(bothQuery[0], both[d]), 4);
        }

        // The query prefix reaches ArcticXs's half only.
        Assert.Equal(1f, TensorPrimitives.CosineSimilarity(bothQuery[0].Vector.Span[..384], miniLMQuery[0].Vector.Span), 4);
        Assert.Equal(1f, TensorPrimitives.CosineSimilarity(bothQuery[0].Vector.Span[384..], arcticQuery[0].Vector.Span), 4);
    }

    [Fact]
    public void ModelIdentity_Ensemble_NamesBothModels()
    {
        using var ensemble = LocalEmbeddingGeneratorFixture.Create(LocalEmbeddingModels.Ensemble);

        Assert.Equal($"{fixture.MiniLM.ModelIdentity} + {fixture.ArcticXs.ModelIdentity}", ensemble.ModelIdentity);
        Assert.Equal(768, ensemble.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }

    [Fact]
    public void Validate_EnsembleName_Passes()
    {
        var options = new EmbeddingOptions { LocalModel = "MiniLM+ArcticXs" };

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), new List<ValidationResult>(), validateAllProperties: true));
    }

    private static float Dot(Embedding<float> a, Embedding<float> b) => TensorPrimitives.Dot(a.Vector.Span, b.Vector.Span);
}
