using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using Microsoft.SemanticKernel;
using OpenAI;
using PaperBot.AI.Assistant;
using PaperBot.AI.Digests;
using PaperBot.AI.Extractive;
using PaperBot.AI.Grounding;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Plugins;
using PaperBot.AI.Prompts;
using PaperBot.Core.Assistant;
using PaperBot.Core.Digests;

namespace PaperBot.AI;

/// <summary>Registers the Semantic Kernel assistant.</summary>
public static class ServiceRegistration
{
    // Placeholder for keyless local servers (Ollama, llama.cpp): the OpenAI SDK insists on a key.
    private const string NoApiKey = "no-key";

    /// <summary>
    /// Adds the assistant (<see cref="IPaperAssistant"/>), its prompts, plugins and the model endpoint's
    /// resilient HttpClient, with <see cref="AiOptions"/> validated on start. Call after <c>AddPaperBotCore()</c>:
    /// with <c>Ai:EmbeddingModel</c> set, the endpoint's embeddings replace Core's local embedding model.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotAi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAssistantServices();
        builder.Services.TryAddSingleton<IResearchLibrary, CoreResearchLibrary>();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{AiOptions.SectionName}:EmbeddingModel"]))
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(CreateEndpointEmbeddingGenerator));
        }

        return builder;
    }

    /// <summary>Everything but the library seam and the embedding model; tests call this with fakes for those.</summary>
    internal static IServiceCollection AddAssistantServices(this IServiceCollection services)
    {
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AiOptions>, AiOptionsValidator>();
        services.AddModelHttpClient();

        services.AddSingleton(sp => PromptLibrary.Load(sp.GetRequiredService<IOptions<AiOptions>>().Value.PromptsPath));
        services.AddSingleton<Tokenizer>(_ => TiktokenTokenizer.CreateForModel("gpt-4o"));
        services.AddSingleton<PassagePacker>();
        services.AddSingleton<CitationPostProcessor>();
        services.AddSingleton<ExtractiveComposer>();
        services.AddSingleton<LibraryPlugin>();
        services.AddSingleton(CreateKernel);
        services.AddSingleton<ModelGateway>();
        services.AddSingleton<IPaperAssistant, PaperAssistant>();
        // Replaces Core's similarity-only default; without an endpoint it answers null and digests rank by similarity.
        services.Replace(ServiceDescriptor.Singleton<IDigestJudge, ModelDigestJudge>());
        return services;
    }

    private static Kernel CreateKernel(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AiOptions>>().Value;
        var kernel = Kernel.CreateBuilder();
        kernel.Services.AddSingleton(services.GetRequiredService<ILoggerFactory>());
        if (options.HasEndpoint)
        {
            // SK turns the OpenAI SDK's retries off when it is handed an HttpClient: Polly owns them.
            var httpClient = services.GetRequiredService<IHttpClientFactory>().CreateClient(ModelHttpClient.Name);
            kernel.AddOpenAIChatCompletion(options.Model!, new Uri(options.Endpoint!), ApiKeyOf(options), httpClient: httpClient);
        }

        kernel.Plugins.AddFromObject(services.GetRequiredService<LibraryPlugin>(), LibraryPlugin.PluginName);
        return kernel.Build();
    }

    private static IEmbeddingGenerator<string, Embedding<float>> CreateEndpointEmbeddingGenerator(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AiOptions>>().Value;
        var httpClient = services.GetRequiredService<IHttpClientFactory>().CreateClient(ModelHttpClient.Name);
        var client = new OpenAIClient(new ApiKeyCredential(ApiKeyOf(options)), new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint!),
            Transport = new HttpClientPipelineTransport(httpClient),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // Polly owns retries
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });
        return client.GetEmbeddingClient(options.EmbeddingModel!).AsIEmbeddingGenerator();
    }

    private static string ApiKeyOf(AiOptions options) => string.IsNullOrWhiteSpace(options.ApiKey) ? NoApiKey : options.ApiKey;
}
