using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core;

namespace PaperBot.AI.Tests.ModelEndpoint;

public sealed class EndpointEmbeddingsTests
{
    [Fact]
    public async Task AddPaperBotAi_EmbeddingModelSet_ReplacesTheLocalModelWithTheEndpoints()
    {
        await using var server = await FakeModelServer.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ai:Endpoint"] = server.Endpoint,
            ["Ai:Model"] = "fake-model",
            ["Ai:EmbeddingModel"] = "fake-embedder",
        });
        builder.AddPaperBotCore();
        builder.AddPaperBotAi();
        using var host = builder.Build();

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var embeddings = await generator.GenerateAsync(["open corpus of tokens", "pruning"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(HashingEmbeddingGenerator.Embed("pruning"), embeddings[1].Vector.ToArray());
        Assert.Contains("\"model\":\"fake-embedder\"", server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddPaperBotAi_NoEmbeddingModel_KeepsCoresLocalModel()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddPaperBotCore();
        builder.AddPaperBotAi();

        var descriptor = builder.Services.Last(d => d.ServiceType == typeof(IEmbeddingGenerator<string, Embedding<float>>));

        Assert.Equal("LocalEmbeddingGenerator", descriptor.ImplementationType?.Name);
    }
}
