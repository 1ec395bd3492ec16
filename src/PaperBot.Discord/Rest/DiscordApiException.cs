using System.Net;
using System.Text.Json;

namespace PaperBot.Discord.Rest;

/// <summary>Discord answered a REST call with an error (4xx after retries, or 5xx after retries).</summary>
public sealed class DiscordApiException : Exception
{
    public DiscordApiException() { }

    public DiscordApiException(string message) : base(message) { }

    public DiscordApiException(string message, Exception innerException) : base(message, innerException) { }

    internal DiscordApiException(string route, HttpStatusCode status, int? code, string? discordMessage, string? errors)
        : base($"Discord returned {(int)status} for {route}" + (code is null ? "" : $" (code {code}: {discordMessage})"))
    {
        Status = status;
        Code = code;
        DiscordMessage = discordMessage;
        Errors = errors;
    }

    /// <summary>HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>Discord's JSON error code (<c>10062</c> unknown interaction, <c>40060</c> already acknowledged, <c>50035</c> invalid form body…).</summary>
    public int? Code { get; }

    /// <summary>Discord's error message.</summary>
    public string? DiscordMessage { get; }

    /// <summary>The raw <c>errors</c> object of a 50035 answer, for the log.</summary>
    public string? Errors { get; }

    internal static DiscordApiException FromBody(string route, HttpStatusCode status, string body)
    {
        int? code = null;
        string? message = null;
        string? errors = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number)
                {
                    code = c.GetInt32();
                }

                if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    message = m.GetString();
                }

                if (doc.RootElement.TryGetProperty("errors", out var e))
                {
                    errors = e.GetRawText();
                }
            }
        }
        catch (JsonException)
        {
            message = body.Length > 200 ? body[..200] : body;
        }

        return new DiscordApiException(route, status, code, message, errors);
    }
}
