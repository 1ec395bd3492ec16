using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperBot.AI.Assistant;
using PaperBot.AI.ModelEndpoint;
using PaperBot.Core.Assistant;

namespace PaperBot.AI.Tests.Fakes;

/// <summary>The assistant's real services (SK connector, Polly pipeline, prompts) over fakes for the library and embeddings.</summary>
internal sealed class AssistantHarness : IDisposable
{
    private readonly ServiceProvider _services;

    private AssistantHarness(ServiceProvider services, InMemoryResearchLibrary library, ListLoggerProvider logs)
    {
        _services = services;
        Library = library;
        Logs = logs;
    }

    /// <summary>Everything logged, Debug included (where prompts and user text may appear, keys never).</summary>
    public ListLoggerProvider Logs { get; }

    public InMemoryResearchLibrary Library { get; }

    public IPaperAssistant Assistant => _services.GetRequiredService<IPaperAssistant>();

    public ModelGateway Gateway => _services.GetRequiredService<ModelGateway>();

    public IServiceProvider Services => _services;

    /// <summary>Timeouts short enough for tests to run in seconds.</summary>
    public static Dictionary<string, string?> FastSettings(string? endpoint) => new()
    {
        ["Ai:Endpoint"] = endpoint,
        ["Ai:Model"] = endpoint is null ? null : "fake-model",
        ["Ai:AttemptTimeout"] = "00:00:01",
        ["Ai:TotalTimeout"] = "00:00:08",
        ["Ai:MaxRetryAttempts"] = "3",
        ["Ai:RetryBaseDelay"] = "00:00:00.050",
        ["Ai:MaxRetryDelay"] = "00:00:02",
        ["Ai:BreakerSamplingDuration"] = "00:00:30",
        ["Ai:BreakerMinimumThroughput"] = "20",
        ["Ai:AbstainSimilarity"] = "0.2",
        // The hashing embedding scores a sentence lower than the local model does; the evidence floor is scaled to it.
        ["Ai:AbstainEvidence"] = "0.35",
    };

    public static AssistantHarness Create(string? endpoint = null, InMemoryResearchLibrary? library = null, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = FastSettings(endpoint);
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        var logs = new ListLoggerProvider();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddAssistantServices();
        library ??= InMemoryResearchLibrary.FromSample();
        services.AddSingleton<IResearchLibrary>(library);
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>, HashingEmbeddingGenerator>();
        return new AssistantHarness(services.BuildServiceProvider(), library, logs);
    }

    public void Dispose() => _services.Dispose();
}
