using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.Core.Feeds;

namespace PaperBot.Core.Tests.Feeds;

public sealed class ArxivRequestGateTests
{
    [Fact]
    public async Task WaitTurn_SecondRequest_WaitsForTheSpacingInFakeTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        using var gate = new ArxivRequestGate(Options.Create(new FeedOptions()), time);

        await gate.WaitTurnAsync(CancellationToken.None);
        var second = gate.WaitTurnAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2.9));
        var waitingBeforeSpacing = !second.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(0.1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waitingBeforeSpacing);
        Assert.True(second.IsCompletedSuccessfully);
    }
}
