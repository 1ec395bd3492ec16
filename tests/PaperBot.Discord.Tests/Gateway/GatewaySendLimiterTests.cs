using Microsoft.Extensions.Time.Testing;
using PaperBot.Discord.Gateway;

namespace PaperBot.Discord.Tests.Gateway;

public sealed class GatewaySendLimiterTests
{
    [Fact]
    public async Task WaitAsync_OrdinarySendsStopAt115AndPrioritySendsAt120PerMinute()
    {
        var time = new FakeTimeProvider();
        var limiter = new GatewaySendLimiter(time);
        for (var i = 0; i < GatewaySendLimiter.OrdinaryLimit; i++)
        {
            await limiter.WaitAsync(priority: false, CancellationToken.None);
        }

        var ordinary = limiter.WaitAsync(priority: false, CancellationToken.None);
        Assert.False(ordinary.IsCompleted);
        for (var i = GatewaySendLimiter.OrdinaryLimit; i < GatewaySendLimiter.HardLimit; i++)
        {
            Assert.True(limiter.WaitAsync(priority: true, CancellationToken.None).IsCompletedSuccessfully);
        }

        var priority = limiter.WaitAsync(priority: true, CancellationToken.None);
        Assert.False(priority.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(60));
        await ordinary.WaitAsync(TimeSpan.FromSeconds(5));
        await priority.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(4004, "Fatal")]
    [InlineData(4014, "Fatal")]
    [InlineData(4007, "Identify")]
    [InlineData(4009, "Identify")]
    [InlineData(4000, "Resume")]
    [InlineData(null, "Resume")]
    public void Classify_FollowsTheCloseCodeTable(int? code, string expected) =>
        Assert.Equal(expected, GatewayCloseCodes.Classify(code).ToString());
}
