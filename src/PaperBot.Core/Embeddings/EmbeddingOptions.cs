using System.ComponentModel.DataAnnotations;

namespace PaperBot.Core.Embeddings;

/// <summary>The local embedding model and its tuning. Section <c>Embeddings</c>.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>
    /// Which packaged model embeds text: <c>MiniLM</c> (sentence-transformers/all-MiniLM-L6-v2, mean pooling)
    /// or <c>ArcticXs</c> (Snowflake/snowflake-arctic-embed-xs, CLS pooling). Both give 384 dimensions.
    /// <c>MiniLM+ArcticXs</c> embeds with both and puts the two vectors side by side (768 dimensions, cosine = the
    /// mean of the two models' cosines): a little better ranking for twice the embedding time and vector memory.
    /// </summary>
    [Required]
    [AllowedValues("MiniLM", "ArcticXs", "MiniLM+ArcticXs")]
    public string LocalModel { get; set; } = "MiniLM";

    /// <summary>
    /// Tokens per text, including <c>[CLS]</c> and <c>[SEP]</c>; longer texts are truncated.
    /// all-MiniLM-L6-v2 was trained with 256; the models accept up to 512.
    /// Changing it changes the vectors of long texts, so it is part of the model identity.
    /// </summary>
    [Range(16, 512)]
    public int MaxTokens { get; set; } = 256;

    /// <summary>
    /// Texts per model call. Texts are sorted by token count before batching, so padding stays small; small
    /// batches also keep activations in cache (CPU per abstract: 70-73 ms at 1-4, 76-82 ms at 8, ~80 ms at 16).
    /// </summary>
    [Range(1, 256)]
    public int BatchSize { get; set; } = 4;

    /// <summary>
    /// ONNX Runtime threads inside one model call; 0 lets ONNX Runtime choose (one per physical core).
    /// One thread per call with <see cref="ParallelBatches"/> calls at once uses the cores better for bulk
    /// embedding than several threads inside each call.
    /// </summary>
    [Range(0, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Batches embedded at once when a call has several; 0 means one per processor.</summary>
    [Range(0, 64)]
    public int ParallelBatches { get; set; }

    /// <summary>
    /// <c>Full</c> runs the packaged fp32 model as shipped. <c>Quantized</c> quantizes its weights to int8 at load (one scale
    /// per output column; activations quantized per call): about twice the embedding throughput, vectors at cosine
    /// ~0.99 of the fp32 ones (bench/README.md). Part of the model identity, so changing it re-embeds the library.
    /// </summary>
    [EnumDataType(typeof(EmbeddingPrecision))]
    public EmbeddingPrecision Precision { get; set; } = EmbeddingPrecision.Full;
}

/// <summary>Numeric precision of the embedding model's weights.</summary>
public enum EmbeddingPrecision
{
    /// <summary>The packaged fp32 model, unchanged.</summary>
    Full,

    /// <summary>Dynamic int8 quantization of the model's matrix multiplications.</summary>
    Quantized,
}
