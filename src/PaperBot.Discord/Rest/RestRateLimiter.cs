using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace PaperBot.Discord.Rest;

/// <summary>
/// Discord's REST rate limits: per-route buckets (promoted to the server's <c>X-RateLimit-Bucket</c> hash
/// plus major ids), one request in flight per bucket so none is sent while it is exhausted, and the
/// global 50 requests/s limit that interaction routes bypass.
/// </summary>
internal sealed class RestRateLimiter : IDisposable
{
    /// <summary>Discord's global limit per bot token.</summary>
    public const int GlobalRequestsPerSecond = 50;

    /// <summary>Margin added to reset times: headers are rounded to milliseconds and clocks differ (discord.js uses 50 ms too).</summary>
    public static readonly TimeSpan ResetOffset = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, string> _hashByRoute = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RateLimitBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Queue<long> _globalWindow = new();
    private readonly SemaphoreSlim _globalGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger<RestRateLimiter> _logger;
    private long _globalPausedUntilTicks;
    private int _globalInFlight;
    private long _lastPruneTicks;

    /// <summary>How long an unused bucket is kept (longer than an interaction token lives).</summary>
    public static readonly TimeSpan IdleBucketLifetime = TimeSpan.FromMinutes(20);

    public RestRateLimiter(TimeProvider time, ILogger<RestRateLimiter> logger)
    {
        _time = time;
        _logger = logger;
    }

    public void Dispose() => _globalGate.Dispose();

    /// <summary>The bucket a route's next request goes through.</summary>
    public RateLimitBucket GetBucket(RestRoute route)
    {
        var now = _time.GetUtcNow();
        PruneIdle(now);
        var key = _hashByRoute.TryGetValue(route.RouteKey, out var hash)
            ? $"{hash}:{route.MajorKey}"
            : $"route:{route.RouteKey}";
        var bucket = _buckets.GetOrAdd(key, static k => new RateLimitBucket(k));
        bucket.LastUsed = now;
        return bucket;
    }

    /// <summary>Number of buckets held (each interaction token makes its own, so idle ones are dropped).</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>
    /// Drops buckets idle for longer than <see cref="IdleBucketLifetime"/> (at most once a minute): every
    /// interaction token has its own webhook bucket, which would otherwise accumulate forever.
    /// </summary>
    private void PruneIdle(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last < TimeSpan.TicksPerMinute || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (key, bucket) in _buckets)
        {
            if (now - bucket.LastUsed > IdleBucketLifetime && bucket.ResetAt < now && bucket.Gate.CurrentCount == 1)
            {
                _buckets.TryRemove(key, out _);
            }
        }

        foreach (var (routeKey, hash) in _hashByRoute)
        {
            if (!_buckets.Keys.Any(k => k.StartsWith(hash + ":", StringComparison.Ordinal)))
            {
                _hashByRoute.TryRemove(routeKey, out _);
            }
        }
    }

    /// <summary>
    /// Waits for a free slot under the global limit (and any global 429 pause). A slot is held while the
    /// request is in flight and for one second after its answer, so arrivals at Discord never exceed the limit
    /// even when requests are slow to arrive. Call <see cref="CompleteGlobal"/> when the answer is in.
    /// </summary>
    public async Task WaitGlobalAsync(CancellationToken cancellationToken)
    {
        await _globalGate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_globalWindow)
                {
                    var now = _time.GetUtcNow().UtcTicks;
                    var pausedUntil = Interlocked.Read(ref _globalPausedUntilTicks);
                    while (_globalWindow.Count > 0 && _globalWindow.Peek() <= now - TimeSpan.TicksPerSecond)
                    {
                        _globalWindow.Dequeue();
                    }

                    if (pausedUntil > now)
                    {
                        wait = TimeSpan.FromTicks(pausedUntil - now);
                    }
                    else if (_globalInFlight + _globalWindow.Count < GlobalRequestsPerSecond)
                    {
                        _globalInFlight++;
                        return;
                    }
                    else
                    {
                        wait = _globalWindow.Count > 0
                            ? TimeSpan.FromTicks(Math.Max(_globalWindow.Peek() + TimeSpan.TicksPerSecond - now, TimeSpan.TicksPerMillisecond))
                            : TimeSpan.FromMilliseconds(10);
                    }
                }

                await Task.Delay(wait, _time, cancellationToken);
            }
        }
        finally
        {
            _globalGate.Release();
        }
    }

    /// <summary>Marks a request admitted by <see cref="WaitGlobalAsync"/> as answered.</summary>
    public void CompleteGlobal()
    {
        lock (_globalWindow)
        {
            _globalInFlight--;
            _globalWindow.Enqueue(_time.GetUtcNow().UtcTicks);
        }
    }

    /// <summary>Stops all non-interaction requests for <paramref name="retryAfter"/> (a global 429).</summary>
    public void PauseGlobal(TimeSpan retryAfter)
    {
        var until = (_time.GetUtcNow() + retryAfter).UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _globalPausedUntilTicks);
            if (current >= until)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _globalPausedUntilTicks, until, current) != current);
    }

    /// <summary>Reads the rate-limit headers of a response into the bucket, promoting it to the server's hash.</summary>
    public void Update(RestRoute route, RateLimitBucket bucket, HttpResponseHeaders headers)
    {
        var now = _time.GetUtcNow();
        if (TryGetDouble(headers, "X-RateLimit-Reset-After", out var resetAfter))
        {
            bucket.ResetAt = now + TimeSpan.FromSeconds(resetAfter) + ResetOffset;
        }

        if (TryGetDouble(headers, "X-RateLimit-Remaining", out var remaining))
        {
            bucket.Remaining = (int)remaining;
        }

        if (TryGetDouble(headers, "X-RateLimit-Limit", out var limit))
        {
            bucket.Limit = (int)limit;
        }

        if (headers.TryGetValues("X-RateLimit-Bucket", out var values) && values.FirstOrDefault() is { Length: > 0 } hash)
        {
            if (!_hashByRoute.TryGetValue(route.RouteKey, out var known) || known != hash)
            {
                _hashByRoute[route.RouteKey] = hash;
                // The hash bucket may already exist (another route shares it); otherwise it inherits this state.
                var promoted = _buckets.GetOrAdd($"{hash}:{route.MajorKey}", static k => new RateLimitBucket(k));
                if (!ReferenceEquals(promoted, bucket) && promoted.Remaining is null)
                {
                    promoted.Remaining = bucket.Remaining;
                    promoted.ResetAt = bucket.ResetAt;
                    promoted.Limit = bucket.Limit;
                }

                _logger.BucketDiscovered(route.ToString(), hash);
            }
        }
    }

    /// <summary>Applies a non-global 429: the bucket is exhausted until <paramref name="retryAfter"/> has passed.</summary>
    public void Exhaust(RateLimitBucket bucket, TimeSpan retryAfter)
    {
        bucket.Remaining = 0;
        var until = _time.GetUtcNow() + retryAfter;
        if (until > bucket.ResetAt)
        {
            bucket.ResetAt = until;
        }
    }

    /// <summary>Waits while the bucket is exhausted. Call holding the bucket's gate.</summary>
    public async Task WaitForBucketAsync(RateLimitBucket bucket, RestRoute route, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (bucket.Remaining is 0 && bucket.ResetAt > now)
        {
            var wait = bucket.ResetAt - now;
            _logger.WaitingForBucket(route.ToString(), (long)wait.TotalMilliseconds);
            await Task.Delay(wait, _time, cancellationToken);
        }

        if (bucket.Remaining is 0 && bucket.ResetAt <= _time.GetUtcNow())
        {
            // The window has reset; allow one request, whose headers say how many more follow.
            bucket.Remaining = 1;
        }

        if (bucket.Remaining is > 0)
        {
            bucket.Remaining--;
        }
    }

    private static bool TryGetDouble(HttpResponseHeaders headers, string name, out double value)
    {
        value = 0;
        return headers.TryGetValues(name, out var values)
               && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>One rate-limit bucket. <see cref="Gate"/> keeps one request in flight so the headers of each answer are known before the next send.</summary>
internal sealed class RateLimitBucket(string key)
{
    public string Key { get; } = key;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Requests left in the window; null until the first answer.</summary>
    public int? Remaining { get; set; }

    public int? Limit { get; set; }

    public DateTimeOffset ResetAt { get; set; }

    public DateTimeOffset LastUsed { get; set; }
}
