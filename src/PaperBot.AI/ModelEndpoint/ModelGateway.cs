using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using OpenAI.Chat;
using PaperBot.AI.Prompts;
using PaperBot.Core.Usage;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>
/// Runs the prompt functions on the kernel: logs latency, token usage and retries of each call
/// (never the key), and turns failures into <see cref="ModelRejectedException"/> or <see cref="ModelUnavailableException"/>.
/// </summary>
internal sealed class ModelGateway(
    Kernel kernel,
    PromptLibrary prompts,
    ModelCircuit circuit,
    IOptions<AiOptions> options,
    ILogger<ModelGateway> logger)
{
    /// <summary>A model endpoint is configured and its circuit is not open.</summary>
    public bool IsAvailable => options.Value.HasEndpoint && !circuit.IsOpen;

    public string Model => options.Value.Model ?? "";

    public LoadedPrompt Prompt(PromptSpec spec) => prompts[spec];

    public async Task<string> CompleteAsync(PromptSpec spec, KernelArguments arguments, CancellationToken cancellationToken)
    {
        var prompt = Checked(spec, arguments);
        using var scope = ModelCallScope.Begin();
        using var deadline = Deadline(cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.CallArguments(spec.Key, string.Join(", ", arguments.Select(a => $"{a.Key}={a.Value}")));
        }

        try
        {
            var result = await kernel.InvokeAsync(prompt.Function, arguments, deadline.Token);
            var text = result.GetValue<string>() ?? "";
            var usage = result.Metadata is { } metadata && metadata.TryGetValue("Usage", out var u) ? u as ChatTokenUsage : null;
            TokenUsageScope.Record(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0);
            logger.CallCompleted(spec.Key, Model, stopwatch.ElapsedMilliseconds, usage?.InputTokenCount, usage?.OutputTokenCount, scope.Retries);
            logger.CallCompletion(spec.Key, text);
            Record(spec, "ok", stopwatch);
            if (usage is not null)
            {
                RecordTokens(spec, usage);
            }

            return text;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ModelRejectedException and not ModelUnavailableException)
        {
            throw Fail(spec, e, stopwatch, scope);
        }
    }

    public async IAsyncEnumerable<string> StreamAsync(PromptSpec spec, KernelArguments arguments, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prompt = Checked(spec, arguments);
        using var scope = ModelCallScope.Begin();
        var stopwatch = Stopwatch.StartNew();
        var chunks = 0;
        using var deadline = Deadline(cancellationToken);
        var enumerator = kernel.InvokeStreamingAsync<StreamingChatMessageContent>(prompt.Function, arguments, deadline.Token).GetAsyncEnumerator(deadline.Token);
        try
        {
            while (true)
            {
                string? delta;
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }

                    delta = enumerator.Current.Content;
                    // With stream_options.include_usage the endpoint reports usage in the last chunk.
                    if (enumerator.Current.Metadata is { } metadata && metadata.TryGetValue("Usage", out var u) && u is ChatTokenUsage usage)
                    {
                        TokenUsageScope.Record(usage.InputTokenCount, usage.OutputTokenCount);
                        RecordTokens(spec, usage);
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Fail(spec, e, stopwatch, scope);
                }

                if (!string.IsNullOrEmpty(delta))
                {
                    chunks++;
                    yield return delta;
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }

        logger.StreamCompleted(spec.Key, Model, stopwatch.ElapsedMilliseconds, chunks, scope.Retries);
        Record(spec, "ok", stopwatch);
    }

    private static void Record(PromptSpec spec, string outcome, Stopwatch stopwatch)
    {
        var prompt = new KeyValuePair<string, object?>("prompt", spec.Key);
        ModelMetrics.Calls.Add(1, prompt, new KeyValuePair<string, object?>("outcome", outcome));
        ModelMetrics.CallDuration.Record(stopwatch.Elapsed.TotalMilliseconds, prompt);
    }

    private static void RecordTokens(PromptSpec spec, ChatTokenUsage usage)
    {
        var prompt = new KeyValuePair<string, object?>("prompt", spec.Key);
        ModelMetrics.Tokens.Add(usage.InputTokenCount, prompt, new KeyValuePair<string, object?>("kind", "prompt"));
        ModelMetrics.Tokens.Add(usage.OutputTokenCount, prompt, new KeyValuePair<string, object?>("kind", "completion"));
    }

    // The prompt loader checks each config.json against the spec; this checks the caller against it too.
    private LoadedPrompt Checked(PromptSpec spec, KernelArguments arguments)
    {
        if (!arguments.Names.ToHashSet(StringComparer.Ordinal).SetEquals(spec.Variables))
        {
            throw new InvalidOperationException(
                $"Prompt {spec.Key} takes [{string.Join(", ", spec.Variables)}] but was passed [{string.Join(", ", arguments.Names)}].");
        }

        return prompts[spec];
    }

    // Polly's total timeout covers one HTTP request up to its headers; this one also covers tool-call
    // rounds and a stream that stalls after its headers, so no call can hang.
    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.TotalTimeout);
        return deadline;
    }

    private Exception Fail(PromptSpec spec, Exception e, Stopwatch stopwatch, ModelCallScope scope)
    {
        var translated = ModelErrors.Translate(e, Model);
        Record(spec, translated is ModelRejectedException ? "rejected" : "unavailable", stopwatch);

        // One line, not a warning: the caller shows the translated message (the CLI's error line, the Discord
        // reply, the extractive answer's note), so a louder log would print the same failure twice. The stack
        // trace is for Debug only.
        logger.CallFailed(spec.Key, Model, stopwatch.ElapsedMilliseconds, scope.Retries, translated.Message);
        logger.CallFailureDetails(e, spec.Key);
        return translated;
    }
}
