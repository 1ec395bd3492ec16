using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace PaperBot.Core.Embeddings;

/// <summary>
/// One loaded BERT-style sentence embedding model: a WordPiece tokenizer over the package's vocabulary and one
/// ONNX Runtime session, reused for every call. <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe, so one instance serves concurrent callers.
/// </summary>
internal sealed class OnnxEmbeddingModel : IDisposable
{
    private const string InputIdsName = "input_ids";
    private const string AttentionMaskName = "attention_mask";
    private const string TokenTypeIdsName = "token_type_ids";

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _maxTokens;

    private OnnxEmbeddingModel(LocalModelDescriptor descriptor, InferenceSession session, BertTokenizer tokenizer, int maxTokens)
    {
        Descriptor = descriptor;
        _session = session;
        _tokenizer = tokenizer;
        _maxTokens = maxTokens;
        _inputNames = session.InputMetadata.ContainsKey(TokenTypeIdsName)
            ? [InputIdsName, AttentionMaskName, TokenTypeIdsName]
            : [InputIdsName, AttentionMaskName];

        // The package's encoder pools the first output; prefer it by name when the graph names it.
        _outputNames = [session.OutputMetadata.ContainsKey("last_hidden_state") ? "last_hidden_state" : session.OutputNames[0]];
    }

    public LocalModelDescriptor Descriptor { get; }

    /// <summary>Loads the model from its package assembly, its weights quantized to int8 when asked.</summary>
    /// <exception cref="FileNotFoundException">The package assembly or its model files are missing.</exception>
    public static OnnxEmbeddingModel Load(
        LocalModelDescriptor descriptor, int maxTokens, int intraOpThreads, EmbeddingPrecision precision = EmbeddingPrecision.Full)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 3);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTokens, LocalModelDescriptor.MaxPositions);

        var assembly = LocalEmbeddingModels.LoadAssembly(descriptor);

        BertTokenizer tokenizer;
        using (var vocab = LocalEmbeddingModels.OpenResource(descriptor, assembly, "vocab.txt"))
        {
            // Both models are uncased BERT vocabularies: HF's BasicTokenizer lower-cases, strips accents, splits CJK.
            tokenizer = BertTokenizer.Create(vocab, new BertOptions
            {
                LowerCaseBeforeTokenization = true,
                RemoveNonSpacingMarks = true,
                IndividuallyTokenizeCjk = true,
                ApplyBasicTokenization = true,
            });
        }

        byte[] modelBytes;
        using (var modelStream = LocalEmbeddingModels.OpenResource(descriptor, assembly, "model.onnx"))
        {
            modelBytes = new byte[modelStream.Length];
            modelStream.ReadExactly(modelBytes);
        }

        if (precision == EmbeddingPrecision.Quantized)
        {
            modelBytes = Int8WeightQuantizer.Quantize(modelBytes);
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
        };

        // Idle ORT threads spin by default; on a small shared machine that steals CPU from everything else.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        var session = new InferenceSession(modelBytes, sessionOptions);
        return new OnnxEmbeddingModel(descriptor, session, tokenizer, maxTokens);
    }

    /// <summary>Token ids with <c>[CLS]</c> and <c>[SEP]</c>, truncated to the configured maximum.</summary>
    public int[] Tokenize(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, _maxTokens - 2, addSpecialTokens: false, out _, out _);
        var result = new int[ids.Count + 2];
        result[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < ids.Count; i++)
        {
            result[i + 1] = ids[i];
        }

        result[^1] = _tokenizer.SeparatorTokenId;
        return result;
    }

    /// <summary>
    /// Embeds one batch of tokenized texts, padding to the longest, and writes one L2-normalized vector per text.
    /// </summary>
    public void EmbedBatch(ReadOnlySpan<int[]> batch, Span<float[]> destinations, CancellationToken cancellationToken)
    {
        Debug.Assert(batch.Length == destinations.Length, "one destination per text");
        var batchSize = batch.Length;
        var sequenceLength = 0;
        foreach (var tokens in batch)
        {
            sequenceLength = Math.Max(sequenceLength, tokens.Length);
        }

        var inputIds = new long[batchSize * sequenceLength];
        var attentionMask = new long[batchSize * sequenceLength];
        for (var row = 0; row < batchSize; row++)
        {
            var tokens = batch[row];
            var offset = row * sequenceLength;
            for (var t = 0; t < tokens.Length; t++)
            {
                inputIds[offset + t] = tokens[t];
                attentionMask[offset + t] = 1;
            }
        }

        long[] shape = [batchSize, sequenceLength];
        using var inputIdsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var attentionMaskValue = OrtValue.CreateTensorValueFromMemory(attentionMask, shape);
        using var tokenTypeIdsValue = _inputNames.Length == 3
            ? OrtValue.CreateTensorValueFromMemory(new long[batchSize * sequenceLength], shape)
            : null;
        OrtValue[] inputs = tokenTypeIdsValue is null
            ? [inputIdsValue, attentionMaskValue]
            : [inputIdsValue, attentionMaskValue, tokenTypeIdsValue];

        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (outputs)
        {
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var dimensions = Descriptor.Dimensions;
            if (hidden.Length != batchSize * sequenceLength * dimensions)
            {
                throw new InvalidOperationException(
                    $"The embedding model '{Descriptor.Name}' returned {hidden.Length} values, expected {batchSize}x{sequenceLength}x{dimensions}.");
            }

            for (var row = 0; row < batchSize; row++)
            {
                var vector = new float[dimensions];
                var rowStart = row * sequenceLength * dimensions;
                if (Descriptor.Pooling == EmbeddingPooling.Cls)
                {
                    hidden.Slice(rowStart, dimensions).CopyTo(vector);
                }
                else
                {
                    // Padding sits after the real tokens, so the attention mask is the prefix of length tokens.Length.
                    var length = batch[row].Length;
                    for (var t = 0; t < length; t++)
                    {
                        TensorPrimitives.Add(vector, hidden.Slice(rowStart + (t * dimensions), dimensions), vector);
                    }

                    TensorPrimitives.Divide(vector, length, vector);
                }

                Normalize(vector);
                destinations[row] = vector;
            }
        }
    }

    /// <summary>Scales to unit length; the same epsilon as sentence-transformers' <c>normalize</c>.</summary>
    internal static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        TensorPrimitives.Divide(vector, MathF.Max(norm, 1e-12f), vector);
    }

    public void Dispose() => _session.Dispose();
}
