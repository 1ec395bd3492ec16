using Microsoft.Extensions.Options;

namespace PaperBot.Discord.Gateway;

/// <summary>
/// At most <c>max_concurrency</c> identifies per 5 s across the shards of this process: shards share a
/// key <c>shard_id % max_concurrency</c>, and each key identifies at most once per interval.
/// </summary>
internal sealed class IdentifyThrottler(TimeProvider time, IOptions<DiscordOptions> options) : IDisposable
{
    private readonly Dictionary<int, long> _lastIdentify = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    public async Task WaitAsync(int shardId, int maxConcurrency, CancellationToken cancellationToken)
    {
        var key = shardId % Math.Max(1, maxConcurrency);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_lastIdentify.TryGetValue(key, out var last))
            {
                var wait = options.Value.IdentifyInterval - time.GetElapsedTime(last);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }

            _lastIdentify[key] = time.GetTimestamp();
        }
        finally
        {
            _gate.Release();
        }
    }
}
