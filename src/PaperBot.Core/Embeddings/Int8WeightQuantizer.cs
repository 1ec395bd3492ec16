using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace PaperBot.Core.Embeddings;

/// <summary>
/// Rewrites an fp32 ONNX transformer into ONNX Runtime's dynamic int8 form, in memory: every <c>MatMul</c> whose
/// second input is a constant 2-D weight becomes <c>com.microsoft.DynamicQuantizeMatMul</c> with the weight stored
/// as int8, one symmetric scale per output column. Activations are quantized per call by ONNX Runtime (uint8,
/// per tensor), so no calibration data is needed. This is what <c>onnxruntime.quantization.quantize_dynamic</c>
/// produces (with per-channel weights) once ONNX Runtime has fused its output; the packages ship fp32 only.
/// </summary>
internal static class Int8WeightQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>The quantized model's bytes; the input is not changed.</summary>
    /// <exception cref="InvalidOperationException">The model has no constant-weight MatMul to quantize.</exception>
    public static byte[] Quantize(byte[] modelBytes)
    {
        var model = ModelProto.Parser.ParseFrom(modelBytes);
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var nodes = new List<NodeProto>(graph.Node.Count);
        var quantized = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType != "MatMul" || !string.IsNullOrEmpty(node.Domain) || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weight) || !IsFloatMatrix(weight))
            {
                nodes.Add(node);
                continue;
            }

            var (codes, scales) = QuantizeColumns(weight);
            graph.Initializer.Add(codes);
            graph.Initializer.Add(scales);
            var replacement = new NodeProto { OpType = "DynamicQuantizeMatMul", Domain = MicrosoftDomain, Name = node.Name + "_int8" };
            replacement.Input.Add(node.Input[0]);
            replacement.Input.Add(codes.Name);
            replacement.Input.Add(scales.Name);
            replacement.Output.Add(node.Output);
            nodes.Add(replacement);
            quantized++;
        }

        if (quantized == 0)
        {
            throw new InvalidOperationException("The model has no MatMul with a constant fp32 weight to quantize.");
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);

        // The fp32 weights are no longer read by any node (a weight shared with another op stays).
        var used = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        var kept = graph.Initializer.Where(i => used.Contains(i.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        if (!model.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return model.ToByteArray();
    }

    private static bool IsFloatMatrix(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float
        && tensor.Dims.Count == 2
        && tensor.DataLocation == TensorProto.Types.DataLocation.Default;

    /// <summary>Symmetric int8 per output column: code = round(w / scale), scale = max |w| of the column / 127.</summary>
    internal static (TensorProto Codes, TensorProto Scales) QuantizeColumns(TensorProto weight)
    {
        var rows = checked((int)weight.Dims[0]);
        var columns = checked((int)weight.Dims[1]);
        var values = weight.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(weight.RawData.Span).ToArray()
            : [.. weight.FloatData];
        if (values.Length != rows * columns)
        {
            throw new InvalidOperationException($"Weight '{weight.Name}' holds {values.Length} values, expected {rows}x{columns}.");
        }

        var scales = new float[columns];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                scales[column] = MathF.Max(scales[column], MathF.Abs(values[(row * columns) + column]));
            }
        }

        for (var column = 0; column < columns; column++)
        {
            scales[column] = scales[column] > 0 ? scales[column] / 127f : 1f;
        }

        var codes = new sbyte[values.Length];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                var index = (row * columns) + column;
                codes[index] = (sbyte)Math.Clamp(MathF.Round(values[index] / scales[column]), -127f, 127f);
            }
        }

        var codesTensor = new TensorProto
        {
            Name = weight.Name + "_int8",
            DataType = (int)TensorProto.Types.DataType.Int8,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(codes.AsSpan())),
        };
        codesTensor.Dims.Add(rows);
        codesTensor.Dims.Add(columns);
        var scalesTensor = new TensorProto
        {
            Name = weight.Name + "_scale",
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(scales.AsSpan())),
        };
        scalesTensor.Dims.Add(columns);
        return (codesTensor, scalesTensor);
    }
}
