using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PaperBot.AI.Tests.Fakes;

/// <summary>
/// An OpenAI-compatible chat endpoint on loopback (Kestrel, 127.0.0.1, port 0). Each request takes the
/// next scripted step (429 with Retry-After, 503, dropped connection, slow answer, invalid JSON, 401,
/// tool call, reply); with the script empty it replies with <see cref="Responder"/>. Streams when asked.
/// </summary>
internal sealed class FakeModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, string, Task>> _script = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _authorization = new();

    private FakeModelServer(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    /// <summary>Reply content for a request body when the script is empty.</summary>
    public Func<string, string> Responder { get; set; } = _ => "A default answer [1].";

    /// <summary>When set, every unscripted request gets this step (for "always failing" endpoints).</summary>
    public Func<HttpContext, string, Task>? Always { get; set; }

    public IReadOnlyList<string> Requests => _requests.ToList();

    public int RequestCount => _requests.Count;

    public IReadOnlyList<string> AuthorizationHeaders => _authorization.ToList();

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeModelServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/v1/embeddings", server.HandleEmbeddingsAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Endpoint = address.TrimEnd('/') + "/v1";
        return server;
    }

    public FakeModelServer Then(Func<HttpContext, string, Task> step)
    {
        _script.Enqueue(step);
        return this;
    }

    public FakeModelServer ThenStatus(int status, int? retryAfterSeconds = null) => Then((c, _) => StatusAsync(c, status, retryAfterSeconds));

    public FakeModelServer ThenDrop() => Then((c, _) => DropAsync(c));

    public FakeModelServer ThenSlow(TimeSpan delay) => Then(async (c, body) =>
    {
        try
        {
            await Task.Delay(delay, c.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await ReplyAsync(c, body, Responder(body));
    });

    /// <summary>Sends headers and one chunk of a stream, then goes silent.</summary>
    public FakeModelServer ThenStallingStream(string firstChunk) => Then(async (c, _) =>
    {
        c.Response.ContentType = "text/event-stream";
        await c.Response.WriteAsync($"data: {JsonSerializer.Serialize(Chunk(new { role = "assistant", content = firstChunk }, null))}\n\n");
        await c.Response.Body.FlushAsync();
        await Task.Delay(TimeSpan.FromSeconds(60), c.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
    });

    public FakeModelServer ThenInvalidJson() => Then(async (c, _) =>
    {
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync("{\"id\": \"chatcmpl-1\", \"choices\": [ {\"message\": ");
    });

    public FakeModelServer ThenReply(string content) => Then((c, body) => ReplyAsync(c, body, content));

    public FakeModelServer ThenToolCall(string function, string argumentsJson) => Then(async (c, _) =>
    {
        var message = new Dictionary<string, object?>
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new[]
            {
                new { id = "call_1", type = "function", function = new { name = function, arguments = argumentsJson } },
            },
        };
        await WriteJsonAsync(c, Completion(message, "tool_calls"));
    });

    public static Task StatusAsync(HttpContext context, int status, int? retryAfterSeconds = null)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, new { error = new { message = $"scripted {status}", type = "test", code = status.ToString(CultureInfo.InvariantCulture) } }, status);
    }

    public static Task DropAsync(HttpContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        _requests.Enqueue(body);
        _authorization.Enqueue(context.Request.Headers.Authorization.ToString());
        if (_script.TryDequeue(out var step))
        {
            await step(context, body);
        }
        else if (Always is { } always)
        {
            await always(context, body);
        }
        else
        {
            await ReplyAsync(context, body, Responder(body));
        }
    }

    private async Task HandleEmbeddingsAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        _requests.Enqueue(body);
        _authorization.Enqueue(context.Request.Headers.Authorization.ToString());
        using var request = JsonDocument.Parse(body);
        var input = request.RootElement.GetProperty("input");
        var texts = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(e => e.GetString()!).ToList() : [input.GetString()!];
        await WriteJsonAsync(context, new
        {
            @object = "list",
            model = request.RootElement.GetProperty("model").GetString(),
            data = texts.Select((t, i) => new { @object = "embedding", index = i, embedding = HashingEmbeddingGenerator.Embed(t) }),
            usage = new { prompt_tokens = 5, total_tokens = 5 },
        });
    }

    private static async Task ReplyAsync(HttpContext context, string requestBody, string content)
    {
        using var request = JsonDocument.Parse(requestBody);
        if (request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            context.Response.ContentType = "text/event-stream";
            // Split into a few chunks so that the client sees several deltas.
            var size = Math.Max(1, content.Length / 4);
            for (var i = 0; i < content.Length; i += size)
            {
                var delta = new { role = "assistant", content = content.Substring(i, Math.Min(size, content.Length - i)) };
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(Chunk(delta, null))}\n\n");
                await context.Response.Body.FlushAsync();
            }

            await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(Chunk(new { }, "stop"))}\n\n");
            if (request.RootElement.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_usage", out var includeUsage) && includeUsage.ValueKind == JsonValueKind.True)
            {
                // As OpenAI does: a last chunk without choices that carries the usage of the whole stream.
                var usage = new { id = "chatcmpl-test", @object = "chat.completion.chunk", created = 1_700_000_000, model = "fake-model", choices = Array.Empty<object>(), usage = new { prompt_tokens = 120, completion_tokens = 30, total_tokens = 150 } };
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(usage)}\n\n");
            }

            await context.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        await WriteJsonAsync(context, Completion(new { role = "assistant", content }, "stop"));
    }

    private static object Completion(object message, string finishReason) => new
    {
        id = "chatcmpl-test",
        @object = "chat.completion",
        created = 1_700_000_000,
        model = "fake-model",
        choices = new[] { new { index = 0, message, finish_reason = finishReason } },
        usage = new { prompt_tokens = 120, completion_tokens = 30, total_tokens = 150 },
    };

    private static object Chunk(object delta, string? finishReason) => new
    {
        id = "chatcmpl-test",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model = "fake-model",
        choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
    };

    private static async Task WriteJsonAsync(HttpContext context, object value, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }
}
