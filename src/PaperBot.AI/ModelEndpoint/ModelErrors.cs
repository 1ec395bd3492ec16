using System.ClientModel;
using System.Net;
using System.Text.Json;
using Microsoft.SemanticKernel;
using PaperBot.Core;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PaperBot.AI.ModelEndpoint;

/// <summary>The model endpoint refused the request (400/401/403/404): retrying cannot help, the setup must change.</summary>
public sealed class ModelRejectedException : UserFacingException
{
    public ModelRejectedException(string message, Exception innerException) : base(message, innerException) { }

    public ModelRejectedException() { }

    public ModelRejectedException(string message) : base(message) { }
}

/// <summary>
/// The model endpoint could not answer in time (retries exhausted, timeouts, circuit open, malformed replies).
/// The assistant falls back to extractive mode on it.
/// </summary>
public sealed class ModelUnavailableException : UserFacingException
{
    public ModelUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public ModelUnavailableException() { }

    public ModelUnavailableException(string message) : base(message) { }
}

/// <summary>Turns what the SK connector, the OpenAI SDK and Polly throw into one clear error.</summary>
internal static class ModelErrors
{
    public static Exception Translate(Exception exception, string model)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BrokenCircuitException:
                    return new ModelUnavailableException("The model endpoint is failing repeatedly, so it is paused for a moment (circuit open).", exception);
                case TimeoutRejectedException or OperationCanceledException:
                    return new ModelUnavailableException("The model endpoint did not answer in time.", exception);
                case HttpOperationException { StatusCode: { } status }:
                    return FromStatus(status, model, exception);
                case ClientResultException { Status: > 0 } client:
                    return FromStatus((HttpStatusCode)client.Status, model, exception);
                case JsonException:
                    return new ModelUnavailableException("The model endpoint sent a reply that is not valid OpenAI-style JSON.", exception);
                case HttpRequestException:
                    return new ModelUnavailableException("The model endpoint could not be reached (connection failed).", exception);
            }
        }

        return new ModelUnavailableException("The model endpoint failed unexpectedly; see the log for details.", exception);
    }

    private static UserFacingException FromStatus(HttpStatusCode status, string model, Exception exception) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            new ModelRejectedException($"The model endpoint rejected the API key (HTTP {(int)status}). Check Ai:ApiKey.", exception),
        HttpStatusCode.NotFound =>
            new ModelRejectedException($"The model endpoint does not know model '{model}' or the URL is wrong (HTTP 404). Check Ai:Model and Ai:Endpoint.", exception),
        HttpStatusCode.BadRequest =>
            new ModelRejectedException("The model endpoint rejected the request (HTTP 400); the model may not support these settings or the prompt is too long.", exception),
        _ => new ModelUnavailableException($"The model endpoint is unavailable (HTTP {(int)status} after retries).", exception),
    };
}
