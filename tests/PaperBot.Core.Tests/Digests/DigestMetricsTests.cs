using PaperBot.Core.Digests;
using PaperBot.Testing;

namespace PaperBot.Core.Tests.Digests;

/// <summary><c>paperbot.digests.runs</c> by outcome, read with a MeterListener while the scheduler runs on fake time.</summary>
public sealed class DigestMetricsTests
{
    private const string Runs = "paperbot.digests.runs";
    private static readonly DateTimeOffset Before = new(2026, 11, 2, 7, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Due = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunDue_DigestPosted_CountsPosted()
    {
        using var harness = new DigestHarness(Before);
        await harness.SubscribeAsync("100", "08:00", "UTC");
        var host = harness.CreateHost();
        using var metrics = new MetricCapture(Runs);

        harness.Time.SetUtcNow(Due);
        await host.RunDueAsync(CancellationToken.None);

        Assert.NotEmpty(harness.Poster.Messages);
        Assert.Contains(metrics.Of(Runs, ("outcome", "posted")), m => m.Value == 1);
    }

    [Fact]
    public async Task RunDue_ChannelDeleted_CountsPaused()
    {
        using var harness = new DigestHarness(Before);
        await harness.SubscribeAsync("100", "08:00", "UTC");
        harness.Poster.BeforePost = (_, _, _) => throw new DigestChannelUnavailableException("the channel was deleted (Discord error 10003)");
        var host = harness.CreateHost();
        using var metrics = new MetricCapture(Runs);

        harness.Time.SetUtcNow(Due);
        await host.RunDueAsync(CancellationToken.None);

        Assert.NotEmpty(metrics.Of(Runs, ("outcome", "paused")));
    }

    [Fact]
    public async Task RunDue_PostingThrows_CountsFailed()
    {
        using var harness = new DigestHarness(Before);
        await harness.SubscribeAsync("100", "08:00", "UTC");
        harness.Poster.BeforePost = (_, _, _) => throw new SimulatedCrashException("Discord answered 500");
        var host = harness.CreateHost();
        using var metrics = new MetricCapture(Runs);

        harness.Time.SetUtcNow(Due);
        await host.RunDueAsync(CancellationToken.None);

        Assert.Empty(harness.Poster.Messages);
        Assert.NotEmpty(metrics.Of(Runs, ("outcome", "failed")));
    }
}
