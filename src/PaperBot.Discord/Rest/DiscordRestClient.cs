using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Discord.Rest;

/// <summary>
/// Discord REST calls with bot authorization, the DiscordBot user agent and the rate limiter.
/// 429s are waited out and retried (bounded); 5xx retried with backoff where that is safe (not a POST, or a POST
/// with <c>nonce</c> + <c>enforce_nonce</c>); other errors thrown as
/// <see cref="DiscordApiException"/>. The token and interaction tokens are never logged.
/// </summary>
internal sealed class DiscordRestClient
{
    public const string HttpClientName = "PaperBot.Discord";
    private const int MaxRateLimitRetries = 4;
    private const int MaxServerErrorRetries = 3;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly RestRateLimiter _limiter;
    private readonly TimeProvider _time;
    private readonly ILogger<DiscordRestClient> _logger;
    private readonly DiscordOptions _options;
    private readonly string _baseUrl;
    private volatile bool _tokenRejected;
    private readonly Queue<long> _invalidRequests = new();

    /// <summary>Discord bans an IP for a while after 10 000 answers of 401, 403 or 429 (not shared) in 10 minutes.</summary>
    public const int InvalidRequestWarningThreshold = 2_000;
    public static readonly TimeSpan InvalidRequestWindow = TimeSpan.FromMinutes(10);

    /// <summary>401, 403 and non-shared 429 answers in the last 10 minutes.</summary>
    public int InvalidRequestsInWindow
    {
        get
        {
            lock (_invalidRequests)
            {
                PruneInvalid(_time.GetUtcNow().UtcTicks);
                return _invalidRequests.Count;
            }
        }
    }

    public DiscordRestClient(
        IHttpClientFactory httpClientFactory,
        RestRateLimiter limiter,
        IOptions<DiscordOptions> options,
        TimeProvider time,
        ILogger<DiscordRestClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _limiter = limiter;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _baseUrl = _options.ApiBaseUrl.TrimEnd('/');
        UserAgent = $"DiscordBot ({_options.UserAgentUrl}, {Version})";
    }

    /// <summary>The PaperBot version in the user agent.</summary>
    public static string Version { get; } =
        (typeof(DiscordRestClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1.0")
        .Split('+')[0];

    public string UserAgent { get; }

    /// <summary>Sends a request; returns the parsed JSON body, or null for 204.</summary>
    public async Task<JsonElement?> SendAsync(RestRoute route, JsonNode? body, CancellationToken cancellationToken)
    {
        if (_tokenRejected)
        {
            throw new DiscordApiException($"Not calling {route}: Discord rejected the bot token earlier (401).");
        }

        var payload = body?.ToJsonString();
        // A 5xx may come after Discord acted: a POST is repeated only when Discord deduplicates it (nonce + enforce_nonce).
        var idempotent = route.Method != HttpMethod.Post || CarriesEnforcedNonce(body);
        var rateLimited = 0;
        var serverErrors = 0;
        while (true)
        {
            var bucket = _limiter.GetBucket(route);
            await bucket.Gate.WaitAsync(cancellationToken);
            TimeSpan? retryDelay = null;
            var countedGlobally = false;
            try
            {
                await _limiter.WaitForBucketAsync(bucket, route, cancellationToken);
                if (!route.ExemptFromGlobal)
                {
                    await _limiter.WaitGlobalAsync(cancellationToken);
                    countedGlobally = true;
                }

                using var request = new HttpRequestMessage(route.Method, _baseUrl + route.Path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _options.Token);
                request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                if (payload is not null)
                {
                    request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RestTimeout);
                var client = _httpClientFactory.CreateClient(HttpClientName);
                using var response = await client.SendAsync(request, timeout.Token);
                _limiter.Update(route, bucket, response.Headers);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                CountInvalid(response);

                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var (retryAfter, global, scope) = ParseTooManyRequests(response, text);
                    Telemetry.DiscordMetrics.RateLimited.Add(1, new KeyValuePair<string, object?>("scope", global ? "global" : scope));
                    if (global)
                    {
                        _limiter.PauseGlobal(retryAfter);
                    }
                    else
                    {
                        // The headers may just have promoted the route to a hash bucket: exhaust that one too.
                        _limiter.Exhaust(bucket, retryAfter);
                        _limiter.Exhaust(_limiter.GetBucket(route), retryAfter);
                    }

                    _logger.RateLimited(route.ToString(), scope, global, (long)retryAfter.TotalMilliseconds);
                    if (++rateLimited > MaxRateLimitRetries)
                    {
                        throw DiscordApiException.FromBody(route.ToString(), response.StatusCode, text);
                    }

                    // A global pause is waited in WaitGlobalAsync; interaction routes skip it, so wait here.
                    retryDelay = global && route.ExemptFromGlobal ? retryAfter : TimeSpan.Zero;
                    continue;
                }

                if ((int)response.StatusCode >= 500 && serverErrors < MaxServerErrorRetries && idempotent)
                {
                    serverErrors++;
                    retryDelay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, serverErrors - 1));
                    _logger.ServerErrorRetried((int)response.StatusCode, route.ToString(), serverErrors, MaxServerErrorRetries);
                    continue;
                }

                if ((int)response.StatusCode >= 500 && !idempotent)
                {
                    _logger.ServerErrorNotRetried((int)response.StatusCode, route.ToString());
                }

                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    _tokenRejected = true;
                    _logger.TokenRejected(route.ToString());
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw DiscordApiException.FromBody(route.ToString(), response.StatusCode, text);
                }

                if (text.Length == 0)
                {
                    return null;
                }

                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            finally
            {
                if (countedGlobally)
                {
                    _limiter.CompleteGlobal();
                }

                bucket.Gate.Release();
                if (retryDelay is { } delay && delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
            }
        }
    }

    private static bool CarriesEnforcedNonce(JsonNode? body) =>
        body is JsonObject json
        && json["nonce"] is JsonValue nonce && nonce.ToString().Length > 0
        && json["enforce_nonce"] is JsonValue enforce && enforce.TryGetValue<bool>(out var enforced) && enforced;

    private void CountInvalid(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var shared = response.Headers.TryGetValues("X-RateLimit-Scope", out var scope) && scope.FirstOrDefault() == "shared";
        if (status is not (401 or 403) && !(status == 429 && !shared))
        {
            return;
        }

        int count;
        lock (_invalidRequests)
        {
            var now = _time.GetUtcNow().UtcTicks;
            PruneInvalid(now);
            _invalidRequests.Enqueue(now);
            count = _invalidRequests.Count;
        }

        if (count >= InvalidRequestWarningThreshold && count % 100 == 0)
        {
            _logger.ManyInvalidRequests(count);
        }
    }

    private void PruneInvalid(long now)
    {
        while (_invalidRequests.Count > 0 && _invalidRequests.Peek() <= now - InvalidRequestWindow.Ticks)
        {
            _invalidRequests.Dequeue();
        }
    }

    private static (TimeSpan RetryAfter, bool Global, string Scope) ParseTooManyRequests(HttpResponseMessage response, string body)
    {
        double? seconds = null;
        var global = response.Headers.TryGetValues("X-RateLimit-Global", out var g)
                     && string.Equals(g.FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);
        var scope = response.Headers.TryGetValues("X-RateLimit-Scope", out var s) ? s.FirstOrDefault() ?? "user" : "user";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("retry_after", out var ra) && ra.ValueKind == JsonValueKind.Number)
            {
                seconds = ra.GetDouble();
            }

            if (doc.RootElement.TryGetProperty("global", out var gl) && gl.ValueKind == JsonValueKind.True)
            {
                global = true;
            }
        }
        catch (JsonException)
        {
            // Cloudflare's 429 has an HTML body; fall back to the header.
        }

        if (seconds is null && response.Headers.TryGetValues("Retry-After", out var header)
            && double.TryParse(header.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var h))
        {
            seconds = h;
        }

        return (TimeSpan.FromSeconds(Math.Max(seconds ?? 1, 0)), global, scope);
    }
}
