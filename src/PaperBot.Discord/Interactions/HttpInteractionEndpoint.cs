using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace PaperBot.Discord.Interactions;

/// <summary>Verifies Discord's Ed25519 request signatures: <c>X-Signature-Ed25519</c> over <c>X-Signature-Timestamp</c> + raw body.</summary>
internal sealed class InteractionSignatureVerifier
{
    private readonly PublicKey _key;

    public InteractionSignatureVerifier(string publicKeyHex)
    {
        _key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(publicKeyHex), KeyBlobFormat.RawPublicKey);
    }

    public bool Verify(string? signatureHex, string? timestamp, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signatureHex) || string.IsNullOrEmpty(timestamp) || signatureHex.Length != 128)
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return false;
        }

        var timestampBytes = System.Text.Encoding.UTF8.GetBytes(timestamp);
        var message = new byte[timestampBytes.Length + body.Length];
        timestampBytes.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(timestampBytes.Length));
        return SignatureAlgorithm.Ed25519.Verify(_key, message, signature);
    }
}

/// <summary>
/// The optional HTTP interactions transport (<c>Discord:Transport = http</c>): a minimal API on
/// <c>Discord:HttpListenUrl</c> that answers signed PINGs with PONG, rejects bad or missing signatures
/// with 401 (Discord probes this), and hands other interactions to the dispatcher, answering 202.
/// </summary>
internal sealed class HttpInteractionEndpoint(
    InteractionQueue queue,
    IOptions<DiscordOptions> options,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private const int MaxBodyBytes = 1 << 20;
    private readonly ILogger _logger = loggerFactory.CreateLogger<HttpInteractionEndpoint>();
    private WebApplication? _app;

    /// <summary>The address actually bound (port 0 resolves to a free port).</summary>
    public Uri? BoundAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var verifier = new InteractionSignatureVerifier(options.Value.PublicKey
            ?? throw new InvalidOperationException("Discord:PublicKey is required for the http transport."));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Value.HttpListenUrl);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        _app = builder.Build();
        _app.MapPost("/interactions", (Delegate)((HttpContext context) => HandleAsync(context, verifier)));
        await _app.StartAsync(cancellationToken);
        BoundAddress = new Uri(_app.Urls.First());
        _logger.EndpointListening(BoundAddress.ToString().TrimEnd('/'));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

    }

    internal async Task<IResult> HandleAsync(HttpContext context, InteractionSignatureVerifier verifier)
    {
        var received = time.GetTimestamp();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var raw = body.ToArray();
        string? timestamp = context.Request.Headers["X-Signature-Timestamp"];
        if (!verifier.Verify(context.Request.Headers["X-Signature-Ed25519"], timestamp, raw))
        {
            _logger.BadSignature();
            return Results.Text("invalid request signature", statusCode: StatusCodes.Status401Unauthorized);
        }

        // A correctly signed request is still refused when it is old (or from the future): a replay.
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > options.Value.MaxRequestAge)
        {
            _logger.StaleTimestamp(timestamp, options.Value.MaxRequestAge);
            return Results.Text("request timestamp too old or in the future", statusCode: StatusCodes.Status401Unauthorized);
        }

        Interaction interaction;
        try
        {
            using var doc = JsonDocument.Parse(raw);
            interaction = Interaction.Parse(doc.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return Results.BadRequest(new { message = "malformed interaction" });
        }

        if (interaction.Type == InteractionType.Ping)
        {
            return Results.Json(new { type = (int)InteractionCallbackType.Pong });
        }

        // The answer goes through the callback endpoint (central deferral), so this request ends with 202.
        if (queue.TryEnqueue(interaction, received, notifyWhenFull: false))
        {
            return Results.Accepted();
        }

        return interaction.Type == InteractionType.Autocomplete
            ? Results.Json(new { type = (int)InteractionCallbackType.AutocompleteResult, data = new { choices = Array.Empty<object>() } })
            : Results.Json(new
            {
                type = (int)InteractionCallbackType.ChannelMessageWithSource,
                data = new { content = InteractionQueue.BusyMessage, flags = DiscordMessage.EphemeralFlag, allowed_mentions = new { parse = Array.Empty<string>() } },
            });
    }
}
