namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>
/// One REST request the fake stalls in flight: the first request that matches is held before it is handled, until
/// <see cref="Release"/> (then handled as usual) or until its client goes away (then dropped unhandled, like a request
/// whose sender died before Discord read it). Makes "kill the process in the middle of a post" deterministic.
/// </summary>
internal sealed class FakeHold(Func<string, string, string[], bool> match)
{
    private readonly TaskCompletionSource<IReadOnlyDictionary<string, string>> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    /// <summary>Completes with the held request's headers (its <c>User-Agent</c> names the sender) when it arrives.</summary>
    public Task<IReadOnlyDictionary<string, string>> Reached => _reached.Task;

    /// <summary>True once the held request's client went away before a release.</summary>
    public bool Abandoned { get; private set; }

    public void Release() => _released.TrySetResult();

    internal bool TryTake(string method, string template, string[] values) =>
        Volatile.Read(ref _taken) == 0 && match(method, template, values) && Interlocked.Exchange(ref _taken, 1) == 0;

    /// <summary>Holds the request; true when released, false when its client went away first.</summary>
    internal async Task<bool> HoldAsync(IReadOnlyDictionary<string, string> headers, CancellationToken requestAborted)
    {
        _reached.TrySetResult(headers);
        try
        {
            await _released.Task.WaitAsync(requestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            Abandoned = true;
            return false;
        }
    }
}

/// <summary>Requests held in flight (see <see cref="FakeHold"/>).</summary>
internal sealed partial class FakeDiscordServer
{
    private readonly List<FakeHold> _holds = [];

    /// <summary>Holds the first request of <paramref name="method"/> to <paramref name="template"/> that <paramref name="match"/> accepts (route values).</summary>
    public FakeHold Hold(string method, string template, Func<string[], bool>? match = null)
    {
        var hold = new FakeHold((m, t, values) => m == method && t == template && (match is null || match(values)));
        lock (_holds)
        {
            _holds.Add(hold);
        }

        return hold;
    }

    /// <summary>Holds the <paramref name="nth"/> (1-based) POST of a message to <paramref name="channelId"/>, counting from now.</summary>
    public FakeHold HoldChannelPost(string channelId, int nth)
    {
        var seen = 0;
        return Hold("POST", "/channels/{channel_id}/messages", values => values[0] == channelId && Interlocked.Increment(ref seen) == nth);
    }

    private async Task<bool> PassHoldsAsync(string method, string template, string[] values, IReadOnlyDictionary<string, string> headers, CancellationToken requestAborted)
    {
        FakeHold? taken;
        lock (_holds)
        {
            taken = _holds.FirstOrDefault(h => h.TryTake(method, template, values));
        }

        return taken is null || await taken.HoldAsync(headers, requestAborted);
    }

    private void ReleaseHolds()
    {
        lock (_holds)
        {
            foreach (var hold in _holds)
            {
                hold.Release();
            }
        }
    }
}
