using Microsoft.Extensions.Logging;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>
/// Log messages of model calls, retries and the circuit breaker (source-generated). Event ids 2000–2099 of this
/// assembly. The API key is never a parameter; prompt arguments and completions only at Debug.
/// </summary>
internal static partial class ModelLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Model call {Prompt} arguments: {Arguments}")]
    public static partial void CallArguments(this ILogger logger, string prompt, string arguments);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Model call {Prompt} on {Model} took {ElapsedMs} ms: {PromptTokens} prompt tokens, {CompletionTokens} completion tokens, {Retries} retries")]
    public static partial void CallCompleted(this ILogger logger, string prompt, string model, long elapsedMs, int? promptTokens, int? completionTokens, int retries);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Model call {Prompt} completion: {Completion}")]
    public static partial void CallCompletion(this ILogger logger, string prompt, string completion);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Model stream {Prompt} on {Model} took {ElapsedMs} ms: {Chunks} chunks, {Retries} retries")]
    public static partial void StreamCompleted(this ILogger logger, string prompt, string model, long elapsedMs, int chunks, int retries);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Model call {Prompt} on {Model} failed after {ElapsedMs} ms and {Retries} retries: {Reason}")]
    public static partial void CallFailed(this ILogger logger, string prompt, string model, long elapsedMs, int retries, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Model call {Prompt} failure details")]
    public static partial void CallFailureDetails(this ILogger logger, Exception exception, string prompt);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Model endpoint attempt {Attempt} failed ({Outcome}); retrying in {DelayMs} ms")]
    public static partial void Retrying(this ILogger logger, int attempt, string? outcome, long delayMs);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Model endpoint circuit opened for {BreakMs} ms; answering extractively meanwhile")]
    public static partial void CircuitOpened(this ILogger logger, long breakMs);
}
