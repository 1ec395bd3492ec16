using Microsoft.Extensions.Configuration;
using PaperBot.AI.ModelEndpoint;

namespace PaperBot.AI.Tests.ModelEndpoint;

public sealed class AiOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoEndpoint_Succeeds()
    {
        var result = Validate(new AiOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("api.openai.com/v1", "gpt-4o-mini", "k", "Ai:Endpoint must be an absolute http(s) URL")]
    [InlineData("https://api.openai.com", "gpt-4o-mini", "k", "ending in /v1")]
    [InlineData("https://api.openai.com/v1", "", "k", "Ai:Model is required")]
    [InlineData("https://api.openai.com/v1", "gpt-4o-mini", "", "Ai:ApiKey is required")]
    public void Validate_BadEndpointSettings_NamesTheKey(string endpoint, string model, string key, string expected)
    {
        var result = Validate(new AiOptions { Endpoint = endpoint, Model = model, ApiKey = key });

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LoopbackOllamaWithoutKey_Succeeds()
    {
        var result = Validate(new AiOptions { Endpoint = "http://localhost:11434/v1", Model = "llama3.1:8b" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_BreakerWindowShorterThanTwoAttempts_Fails()
    {
        var result = Validate(new AiOptions { AttemptTimeout = TimeSpan.FromSeconds(60), BreakerSamplingDuration = TimeSpan.FromSeconds(90) });

        Assert.Contains("Ai:BreakerSamplingDuration", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ApiKeyInAppSettingsJson_Fails()
    {
        var folder = Directory.CreateTempSubdirectory("paperbot-settings").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), "{\"Ai\": {\"ApiKey\": \"sk-secret\"}}");
            var configuration = new ConfigurationBuilder().SetBasePath(folder).AddJsonFile("appsettings.json").Build();

            var result = new AiOptionsValidator(configuration).Validate(null, new AiOptions { ApiKey = "sk-secret" });

            Assert.Contains("must not be in appsettings.json", result.FailureMessage, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-secret", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Validate_ApiKeyFromEnvironmentOverridingJson_Succeeds()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Ai:ApiKey"] = "from-environment" })
            .Build();

        var result = new AiOptionsValidator(configuration).Validate(null, new AiOptions { ApiKey = "from-environment" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_PromptsFolderWithMissingFile_FailsNamingIt()
    {
        var folder = Directory.CreateTempSubdirectory("paperbot-prompts").FullName;
        try
        {
            var result = Validate(new AiOptions { PromptsPath = folder });

            Assert.False(result.Succeeded);
            Assert.Contains(Path.Combine(folder, "Research", "Answer", "skprompt.txt"), result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AiOptions options) =>
        new AiOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options);
}
