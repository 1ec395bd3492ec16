using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using Google.Protobuf;
using Microsoft.Extensions.AI;
using Onnx;
using PaperBot.Core.Embeddings;

namespace PaperBot.Core.Tests.Embeddings;

public sealed class Int8WeightQuantizerTests
{
    [Fact]
    public void QuantizeColumns_RandomWeight_DequantizesWithinHalfAStepPerColumn()
    {
        const int rows = 16, columns = 5;
        var random = new Random(7);
        // Column c spans +-(c + 1) / 10, so each column needs its own scale.
        var values = Enumerable.Range(0, rows * columns).Select(i => (float)((random.NextDouble() * 2) - 1) * ((i % columns) + 1) / 10f).ToArray();
        var weight = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        weight.Dims.Add(rows);
        weight.Dims.Add(columns);

        var (codes, scales) = Int8WeightQuantizer.QuantizeColumns(weight);

        var codeValues = MemoryMarshal.Cast<byte, sbyte>(codes.RawData.Span).ToArray();
        var scaleValues = MemoryMarshal.Cast<byte, float>(scales.RawData.Span).ToArray();
        Assert.Equal(columns, scaleValues.Length);
        Assert.True(scaleValues[4] > 3 * scaleValues[0], "each column keeps its own range");
        for (var i = 0; i < values.Length; i++)
        {
            var scale = scaleValues[i % columns];
            Assert.True(MathF.Abs((codeValues[i] * scale) - values[i]) <= (scale / 2) + 1e-7f, $"value {i}: {values[i]} -> {codeValues[i]} x {scale}");
        }
    }

    [Fact]
    public void Quantize_PackagedModel_ReplacesEveryConstantWeightMatMul()
    {
        var descriptor = LocalEmbeddingModels.MiniLM;
        byte[] original;
        using (var stream = LocalEmbeddingModels.OpenResource(descriptor, LocalEmbeddingModels.LoadAssembly(descriptor), "model.onnx"))
        {
            original = new byte[stream.Length];
            stream.ReadExactly(original);
        }

        var quantized = ModelProto.Parser.ParseFrom(Int8WeightQuantizer.Quantize(original));

        var weights = quantized.Graph.Initializer.Select(i => i.Name).ToHashSet();
        Assert.DoesNotContain(quantized.Graph.Node, n => n.OpType == "MatMul" && weights.Contains(n.Input[1]));
        // Six layers, each with query, key, value, output and two feed-forward projections.
        Assert.Equal(36, quantized.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul" && n.Domain == "com.microsoft"));
        // Attention's two activation-by-activation products stay in fp32.
        Assert.Equal(12, quantized.Graph.Node.Count(n => n.OpType == "MatMul"));
        Assert.True(quantized.CalculateSize() < original.Length * 0.7, "the fp32 weights of the projections are dropped");
    }

    [Fact]
    public async Task GenerateAsync_QuantizedWeights_StayCloseToFullPrecisionVectors()
    {
        var abstracts = EmbeddingTestData.SamplePapers.Take(16).Select(p => p.Abstract).Concat(EmbeddingTestData.ArxivAbstracts(8)).ToArray();
        using var full = LocalEmbeddingGeneratorFixture.Create("MiniLM");
        using var quantized = LocalEmbeddingGeneratorFixture.Create("MiniLM", precision: EmbeddingPrecision.Quantized);

        var expected = await full.GenerateAsync(abstracts);
        var actual = await quantized.GenerateAsync(abstracts);

        for (var i = 0; i < abstracts.Length; i++)
        {
            var cosine = TensorPrimitives.CosineSimilarity(expected[i].Vector.Span, actual[i].Vector.Span);
            Assert.True(cosine >= 0.97f, $"abstract {i}: cosine {cosine} between int8 and fp32 weights");
            Assert.True(cosine < 0.99999f, $"abstract {i}: the int8 model returned the fp32 vector");
        }
    }

    [Fact]
    public async Task GenerateAsync_QuantizedWeights_StillRankQuestionsAbstractAboveUnrelated()
    {
        using var quantized = LocalEmbeddingGeneratorFixture.Create("MiniLM", precision: EmbeddingPrecision.Quantized);
        var unrelatedVectors = await quantized.GenerateAsync(EmbeddingTestData.ArxivAbstracts(30));

        foreach (var (query, relevantTitles) in EmbeddingTestData.DevQuestions().Take(5))
        {
            var paper = EmbeddingTestData.SamplePapers.First(p => p.Title == relevantTitles[0]);
            var vectors = await quantized.GenerateAsync([query, paper.Title + "\n" + paper.Abstract]);
            var relevant = TensorPrimitives.Dot(vectors[0].Vector.Span, vectors[1].Vector.Span);
            var bestUnrelated = unrelatedVectors.Max(u => TensorPrimitives.Dot(vectors[0].Vector.Span, u.Vector.Span));
            Assert.True(relevant > bestUnrelated, $"'{query}': relevant {relevant} <= unrelated {bestUnrelated}");
        }
    }

    [Fact]
    public void ModelIdentity_QuantizedWeights_DiffersAndFullPrecisionKeepsItsIdentity()
    {
        using var full = LocalEmbeddingGeneratorFixture.Create("MiniLM");
        using var quantized = LocalEmbeddingGeneratorFixture.Create("MiniLM", precision: EmbeddingPrecision.Quantized);

        Assert.NotEqual(full.ModelIdentity, quantized.ModelIdentity);
        Assert.EndsWith(";max-tokens=256", full.ModelIdentity);
        Assert.EndsWith(";weights=int8", quantized.ModelIdentity);
    }
}
