using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;

namespace PaperBot.AI.Prompts;

/// <summary>A prompt the assistant uses and the variables it passes to it.</summary>
internal sealed record PromptSpec(string Plugin, string Function, IReadOnlyList<string> Variables)
{
    public string Key => $"{Plugin}/{Function}";
}

/// <summary>The prompts the assistant calls; the loader checks each folder against these.</summary>
internal static class PromptCatalog
{
    public static readonly PromptSpec Answer = new("Research", "Answer", ["question", "history", "passages"]);
    public static readonly PromptSpec RewriteQuestion = new("Research", "RewriteQuestion", ["question", "history"]);
    public static readonly PromptSpec Summarize = new("Papers", "Summarize", ["level", "paper"]);
    public static readonly PromptSpec Compare = new("Papers", "Compare", ["papers", "paper_ids"]);
    public static readonly PromptSpec DigestScore = new("Digest", "Score", ["topics", "papers", "paper_ids"]);

    public static IReadOnlyList<PromptSpec> All { get; } = [Answer, RewriteQuestion, Summarize, Compare, DigestScore];
}

/// <summary>A loaded prompt: the SK function and a version that changes whenever its files change.</summary>
internal sealed record LoadedPrompt(PromptSpec Spec, PromptTemplateConfig Config, KernelFunction Function, string Version);

/// <summary>
/// Loads <c>prompts/&lt;Plugin&gt;/&lt;Function&gt;/{skprompt.txt,config.json}</c>. A missing or malformed
/// file, or variables that differ from what the assistant passes, fail with the file named.
/// </summary>
internal sealed partial class PromptLibrary
{
    private readonly Dictionary<string, LoadedPrompt> _prompts;

    private PromptLibrary(Dictionary<string, LoadedPrompt> prompts) => _prompts = prompts;

    public LoadedPrompt this[PromptSpec spec] => _prompts[spec.Key];

    public static PromptLibrary Load(string folder, IReadOnlyList<PromptSpec>? specs = null)
    {
        var root = Path.GetFullPath(folder, AppContext.BaseDirectory);
        if (!Directory.Exists(root))
        {
            throw new PromptLoadException($"Prompts folder not found: {root} (Ai:PromptsPath).");
        }

        var prompts = new Dictionary<string, LoadedPrompt>(StringComparer.Ordinal);
        foreach (var spec in specs ?? PromptCatalog.All)
        {
            prompts[spec.Key] = LoadOne(root, spec);
        }

        return new PromptLibrary(prompts);
    }

    private static LoadedPrompt LoadOne(string root, PromptSpec spec)
    {
        var folder = Path.Combine(root, spec.Plugin, spec.Function);
        var templatePath = Path.Combine(folder, "skprompt.txt");
        var configPath = Path.Combine(folder, "config.json");
        foreach (var path in new[] { templatePath, configPath })
        {
            if (!File.Exists(path))
            {
                throw new PromptLoadException($"Prompt file missing: {path}");
            }
        }

        var template = File.ReadAllText(templatePath);
        var json = File.ReadAllText(configPath);
        if (string.IsNullOrWhiteSpace(template))
        {
            throw new PromptLoadException($"Prompt file is empty: {templatePath}");
        }

        PromptTemplateConfig config;
        try
        {
            config = PromptTemplateConfig.FromJson(json);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new PromptLoadException($"Prompt config is malformed: {configPath}: {e.Message}", e);
        }

        config.Template = template;
        config.Name = spec.Function;
        if (string.IsNullOrWhiteSpace(config.Description))
        {
            throw new PromptLoadException($"Prompt config has no description: {configPath}");
        }

        CheckVariables(spec, config, templatePath, configPath);

        KernelFunction function;
        try
        {
            function = KernelFunctionFactory.CreateFromPrompt(config);
        }
        catch (Exception e) when (e is KernelException or ArgumentException)
        {
            throw new PromptLoadException($"Prompt template is malformed: {templatePath}: {e.Message}", e);
        }

        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(template + "\n" + json)))[..12];
        return new LoadedPrompt(spec, config, function, version);
    }

    private static void CheckVariables(PromptSpec spec, PromptTemplateConfig config, string templatePath, string configPath)
    {
        var declared = config.InputVariables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var used = TemplateVariableRegex().Matches(config.Template).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var passed = spec.Variables.ToHashSet(StringComparer.Ordinal);

        if (!declared.SetEquals(passed))
        {
            throw new PromptLoadException(
                $"Prompt config {configPath} declares input variables [{string.Join(", ", declared.Order())}] but the assistant passes [{string.Join(", ", passed.Order())}].");
        }

        var undeclared = used.Except(declared).ToList();
        if (undeclared.Count > 0)
        {
            throw new PromptLoadException($"Prompt template {templatePath} uses undeclared variables: {string.Join(", ", undeclared)}.");
        }

        var unused = declared.Except(used).ToList();
        if (unused.Count > 0)
        {
            throw new PromptLoadException($"Prompt template {templatePath} never uses declared variables: {string.Join(", ", unused)}.");
        }
    }

    [GeneratedRegex(@"\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex TemplateVariableRegex();
}

/// <summary>A prompt folder is missing or malformed; the message names the file.</summary>
public sealed class PromptLoadException : Exception
{
    public PromptLoadException() { }

    public PromptLoadException(string message) : base(message) { }

    public PromptLoadException(string message, Exception innerException) : base(message, innerException) { }
}
