namespace PaperBot.Discord.Gateway;

/// <summary>
/// Discord allows 120 gateway sends per connection per 60 s (more closes the socket with 4008).
/// Ordinary sends stop at 115 so heartbeats, identify and resume always have room.
/// </summary>
internal sealed class GatewaySendLimiter(TimeProvider time)
{
    public const int HardLimit = 120;
    public const int OrdinaryLimit = 115;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly Queue<long> _sent = new();
    private readonly Lock _lock = new();

    /// <summary>Waits until a send is allowed and records it.</summary>
    public async Task WaitAsync(bool priority, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = time.GetUtcNow().UtcTicks;
                while (_sent.Count > 0 && _sent.Peek() <= now - Window.Ticks)
                {
                    _sent.Dequeue();
                }

                if (_sent.Count < (priority ? HardLimit : OrdinaryLimit))
                {
                    _sent.Enqueue(now);
                    return;
                }

                wait = TimeSpan.FromTicks(_sent.Peek() + Window.Ticks - now);
            }

            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
