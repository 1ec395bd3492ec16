using Microsoft.Extensions.Options;

namespace PaperBot.Core.Feeds;

/// <summary>
/// arXiv's API terms: no more than one request every 3 seconds from one client. Every arXiv request of
/// this process passes here first; waits are on <see cref="TimeProvider"/>.
/// </summary>
public sealed class ArxivRequestGate(IOptions<FeedOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private DateTimeOffset? _last;

    /// <summary>Waits until a request may be sent, and counts it as sent.</summary>
    public async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last)
            {
                var due = last + options.Value.ArxivRequestSpacing - time.GetUtcNow();
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken);
                }
            }

            _last = time.GetUtcNow();
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
