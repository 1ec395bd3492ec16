using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using PaperBot.AI.Prompts;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>Validates <see cref="AiOptions"/> on start with one clear message per bad key.</summary>
internal sealed class AiOptionsValidator(IConfiguration configuration) : IValidateOptions<AiOptions>
{
    public ValidateOptionsResult Validate(string? name, AiOptions options)
    {
        var errors = new List<string>();
        const string S = AiOptions.SectionName;

        if (options.HasEndpoint)
        {
            if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{S}:Endpoint must be an absolute http(s) URL such as https://api.openai.com/v1 (got '{options.Endpoint}').");
            }
            else
            {
                if (!uri.AbsolutePath.TrimEnd('/').EndsWith("/v1", StringComparison.Ordinal))
                {
                    errors.Add($"{S}:Endpoint must be the API base URL ending in /v1, for example http://localhost:11434/v1 (got '{options.Endpoint}').");
                }

                if (string.IsNullOrWhiteSpace(options.ApiKey) && !IsLoopback(uri))
                {
                    errors.Add($"{S}:ApiKey is required for the remote endpoint {uri.Host}: set the environment variable Ai__ApiKey or the user secret Ai:ApiKey.");
                }
            }

            if (string.IsNullOrWhiteSpace(options.Model))
            {
                errors.Add($"{S}:Model is required when {S}:Endpoint is set (for example gpt-4o-mini, or llama3.1:8b on Ollama).");
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.EmbeddingModel))
        {
            errors.Add($"{S}:EmbeddingModel needs {S}:Endpoint: the embeddings come from that endpoint.");
        }

        if (ApiKeyComesFromAppSettings())
        {
            errors.Add($"{S}:ApiKey must not be in appsettings.json: set the environment variable Ai__ApiKey or use 'dotnet user-secrets set Ai:ApiKey ...'.");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{S}:AttemptTimeout must be positive (got {options.AttemptTimeout}).");
        }

        if (options.TotalTimeout <= options.AttemptTimeout)
        {
            errors.Add($"{S}:TotalTimeout ({options.TotalTimeout}) must be longer than {S}:AttemptTimeout ({options.AttemptTimeout}).");
        }

        if (options.MaxRetryAttempts is < 0 or > 10)
        {
            errors.Add($"{S}:MaxRetryAttempts must be between 0 and 10 (got {options.MaxRetryAttempts}).");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
        {
            errors.Add($"{S}:RetryBaseDelay must be positive and no longer than {S}:MaxRetryDelay.");
        }

        if (options.BreakerSamplingDuration < 2 * options.AttemptTimeout)
        {
            errors.Add($"{S}:BreakerSamplingDuration ({options.BreakerSamplingDuration}) must be at least twice {S}:AttemptTimeout ({options.AttemptTimeout}).");
        }

        if (options.BreakerFailureRatio is <= 0 or > 1)
        {
            errors.Add($"{S}:BreakerFailureRatio must be in (0, 1] (got {options.BreakerFailureRatio}).");
        }

        if (options.BreakerMinimumThroughput < 2)
        {
            errors.Add($"{S}:BreakerMinimumThroughput must be at least 2 (got {options.BreakerMinimumThroughput}).");
        }

        if (options.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{S}:BreakerBreakDuration must be at least 0.5 s (got {options.BreakerBreakDuration}).");
        }

        if (options.ContextTokenBudget is < 200 or > 200_000)
        {
            errors.Add($"{S}:ContextTokenBudget must be between 200 and 200000 (got {options.ContextTokenBudget}).");
        }

        if (options.PassagesPerQuestion is < 1 or > 50)
        {
            errors.Add($"{S}:PassagesPerQuestion must be between 1 and 50 (got {options.PassagesPerQuestion}).");
        }

        if (options.AbstainSimilarity is < -1 or > 1)
        {
            errors.Add($"{S}:AbstainSimilarity must be a cosine similarity in [-1, 1] (got {options.AbstainSimilarity}).");
        }

        if (options.AbstainEvidence is < -1 or > 1.5)
        {
            errors.Add($"{S}:AbstainEvidence must be between -1 and 1.5, a similarity plus half a share (got {options.AbstainEvidence}).");
        }

        if (string.IsNullOrWhiteSpace(options.PromptsPath))
        {
            errors.Add($"{S}:PromptsPath must name the prompts folder.");
        }
        else
        {
            // Loading the prompts here makes a missing or malformed prompt fail the start (bot and CLI alike) with the file named.
            try
            {
                PromptLibrary.Load(options.PromptsPath);
            }
            catch (PromptLoadException e)
            {
                errors.Add(e.Message);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));

    // The key is a secret: the last provider that supplies it must not be an appsettings*.json file.
    private bool ApiKeyComesFromAppSettings()
    {
        if (configuration is not IConfigurationRoot root)
        {
            return false;
        }

        var key = $"{AiOptions.SectionName}:ApiKey";
        var provider = root.Providers.LastOrDefault(p => p.TryGet(key, out var value) && !string.IsNullOrEmpty(value));
        return provider is JsonConfigurationProvider json
            && json.Source.Path is { } path
            && Path.GetFileName(path).StartsWith("appsettings", StringComparison.OrdinalIgnoreCase);
    }
}
