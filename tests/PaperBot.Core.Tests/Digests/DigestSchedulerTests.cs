using PaperBot.Core.Digests;

namespace PaperBot.Core.Tests.Digests;

public sealed class DigestSchedulerTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    // Spring forward in Berlin (29 March): 08:00 local is 07:00Z before, 06:00Z after.
    [InlineData("Europe/Berlin", "08:00", 2026, 3, 27, new[] { "2026-03-28T07:00Z", "2026-03-29T06:00Z", "2026-03-30T06:00Z" })]
    // Fall back in Berlin (25 October): 08:00 local is 06:00Z before, 07:00Z after.
    [InlineData("Europe/Berlin", "08:00", 2026, 10, 23, new[] { "2026-10-24T06:00Z", "2026-10-25T07:00Z", "2026-10-26T07:00Z" })]
    // New York skips 02:00-03:00 on 8 March: a 02:30 digest runs at the first valid instant, 03:00 EDT.
    [InlineData("America/New_York", "02:30", 2026, 3, 6, new[] { "2026-03-07T07:30Z", "2026-03-08T07:00Z", "2026-03-09T06:30Z" })]
    // New York repeats 01:00-02:00 on 1 November: a 01:30 digest runs once, at the first 01:30 (EDT).
    [InlineData("America/New_York", "01:30", 2026, 10, 30, new[] { "2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z" })]
    public async Task RunDue_AcrossDstChange_PostsOncePerDayAtTheLocalTime(string zone, string time, int year, int month, int day, string[] expected)
    {
        using var harness = new DigestHarness(Utc(year, month, day, 12));
        harness.Poster.Clock = harness.Time;
        await harness.SubscribeAsync("100", time, zone);
        var scheduler = harness.CreateHost();

        await harness.RunUntilAsync(scheduler, Utc(year, month, day, 12) + TimeSpan.FromDays(3) + TimeSpan.FromHours(-1), TimeSpan.FromMinutes(10));

        Assert.Equal(expected, harness.Poster.PostTimes("100").Select(DigestRunner.OccurrenceKey));
    }

    [Fact]
    public async Task Restart_JustBeforeAndJustAfterTheTime_PostsExactlyOnce()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        await harness.SubscribeAsync("100", "08:00", "UTC");

        harness.Time.SetUtcNow(Utc(2026, 11, 2, 7, 59));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);
        var beforeTheTime = harness.Poster.Messages.Count;
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 1));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);

        Assert.Equal(0, beforeTheTime);
        Assert.Equal(3, harness.Poster.Messages.Count); // 12 papers in 3 parts of 5, 5, 2
        Assert.Equal([1, 2, 3], harness.Poster.Messages.Select(m => m.Part.Index));
    }

    [Fact]
    public async Task Restart_AfterTheTimeOnTheSameDay_PostsTheMissedDigestOnce()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        await harness.SubscribeAsync("100", "08:00", "UTC");

        harness.Time.SetUtcNow(Utc(2026, 11, 2, 11, 30)); // down at 08:00, back at 11:30
        await harness.CreateHost().RunDueAsync(CancellationToken.None);
        await harness.CreateHost().RunDueAsync(CancellationToken.None);

        Assert.Equal(3, harness.Poster.Messages.Count);
    }

    [Fact]
    public async Task Crash_AfterTheClaimBeforeAnyPost_IsResumedAfterTheLeaseAndPostedOnce()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        var subscription = await harness.SubscribeAsync("100", "08:00", "UTC");
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        // A process claimed the run and died before composing or posting anything.
        await harness.Store.TryClaimAsync(subscription.Id, "2026-11-02T08:00Z", "dead-process", harness.Time.GetUtcNow(), harness.Time.GetUtcNow() + TimeSpan.FromMinutes(5), CancellationToken.None);

        var host = harness.CreateHost();
        await host.RunDueAsync(CancellationToken.None);
        var duringLease = harness.Poster.Messages.Count;
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        await host.RunDueAsync(CancellationToken.None);
        await host.RunDueAsync(CancellationToken.None);

        Assert.Equal(0, duringLease);
        Assert.Equal(3, harness.Poster.Messages.Count);
        Assert.Equal(DigestRunStates.Done, (await harness.Store.GetRunAsync(subscription.Id, "2026-11-02T08:00Z", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Crash_ClaimantWasAProcessOnThisMachineThatIsGone_IsResumedAtTheNextStartWithoutWaitingForTheLease()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        var subscription = await harness.SubscribeAsync("100", "08:00", "UTC");
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        // A process that has exited (its id no longer runs here) claimed the run and died.
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();
        var deadOwner = $"{Environment.MachineName}/{exited.Id}/deadbeef";
        await harness.Store.TryClaimAsync(subscription.Id, "2026-11-02T08:00Z", deadOwner, harness.Time.GetUtcNow(), harness.Time.GetUtcNow() + TimeSpan.FromMinutes(5), CancellationToken.None);

        await harness.CreateHost().RunDueAsync(CancellationToken.None);

        Assert.True(DigestRunner.ClaimantIsGone(deadOwner));
        Assert.Equal(3, harness.Poster.Messages.Count);
        Assert.Equal(DigestRunStates.Done, (await harness.Store.GetRunAsync(subscription.Id, "2026-11-02T08:00Z", CancellationToken.None))!.State);
    }

    [Fact]
    public void ClaimantIsGone_ThisProcessOrAnotherMachine_KeepsTheLease()
    {
        Assert.False(DigestRunner.ClaimantIsGone($"{Environment.MachineName}/{Environment.ProcessId}/abcdef12"));
        Assert.False(DigestRunner.ClaimantIsGone($"another-host-{Guid.NewGuid():N}/1/abcdef12"));
        Assert.False(DigestRunner.ClaimantIsGone("dead-process"));
    }

    [Theory]
    [InlineData(false)] // part 1 posted and recorded, the process dies before part 2
    [InlineData(true)] // part 1 posted, the process dies before recording it: the channel is read for its tag
    public async Task Crash_AfterPart1Of3_ResumeDoesNotPostPart1Again(bool beforeRecording)
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        var subscription = await harness.SubscribeAsync("100", "08:00", "UTC");
        if (beforeRecording)
        {
            harness.Poster.CrashAfterPosting = call => call == 1;
        }
        else
        {
            harness.Poster.BeforePost = (_, _, call) =>
            {
                if (call == 2)
                {
                    throw new SimulatedCrashException();
                }
            };
        }

        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);
        var afterCrash = harness.Poster.Messages.Count;
        harness.Poster.BeforePost = null;
        harness.Poster.CrashAfterPosting = null;
        harness.Time.Advance(TimeSpan.FromMinutes(6));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);

        Assert.Equal(1, afterCrash);
        Assert.Equal([1, 2, 3], harness.Poster.Messages.Select(m => m.Part.Index));
        var run = await harness.Store.GetRunAsync(subscription.Id, "2026-11-02T08:00Z", CancellationToken.None);
        Assert.Equal(harness.Poster.Messages.Select(m => m.MessageId), run!.MessageIds);
    }

    [Fact]
    public async Task Downtime_OverThreeDays_SkipsTheMissedDaysAndPostsTodayOnce()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        var subscription = await harness.SubscribeAsync("100", "08:00", "UTC");
        var host = harness.CreateHost();
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        await host.RunDueAsync(CancellationToken.None);
        var firstDay = harness.Poster.Messages.Count;

        harness.Time.SetUtcNow(Utc(2026, 11, 5, 7, 0)); // down from the 2nd after the post until the 5th, before 08:00
        await harness.CreateHost().RunDueAsync(CancellationToken.None);
        var onReturn = harness.Poster.Messages.Count;
        harness.Time.SetUtcNow(Utc(2026, 11, 5, 8, 0));
        await harness.CreateHost().RunDueAsync(CancellationToken.None);

        Assert.Equal(3, firstDay);
        Assert.Equal(3, onReturn);
        Assert.Equal(4, harness.Poster.Messages.Count); // today's digest: "Nothing new on your topics today."
        Assert.Equal("Nothing new on your topics today.", harness.Poster.Messages.Last().Part.Header);
        Assert.Equal(DigestRunStates.Skipped, (await harness.Store.GetRunAsync(subscription.Id, "2026-11-04T08:00Z", CancellationToken.None))!.State);
        Assert.Null(await harness.Store.GetRunAsync(subscription.Id, "2026-11-03T08:00Z", CancellationToken.None));
    }

    [Fact]
    public async Task TwoHosts_OneLibrary_PostExactlyOneDigest()
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        await harness.SubscribeAsync("100", "08:00", "UTC");
        var bot = harness.CreateHost();
        var other = harness.CreateHost();
        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));

        var posted = await Task.WhenAll(
            Task.Run(() => bot.RunDueAsync(CancellationToken.None)),
            Task.Run(() => other.RunDueAsync(CancellationToken.None)));

        Assert.Equal(1, posted.Sum());
        Assert.Equal([1, 2, 3], harness.Poster.Messages.Select(m => m.Part.Index));
    }

    [Theory]
    [InlineData("the channel was deleted (Discord error 10003)")]
    [InlineData("the bot lost the Send Messages or Embed Links permission (Discord error 50013)")]
    public async Task RunDue_ChannelUnavailable_PausesThatSubscriptionAndOthersKeepRunning(string reason)
    {
        using var harness = new DigestHarness(Utc(2026, 11, 2, 7, 0));
        await harness.SubscribeAsync("100", "08:00", "UTC");
        await harness.SubscribeAsync("200", "08:00", "UTC");
        harness.Poster.BeforePost = (channel, _, _) =>
        {
            if (channel == "100")
            {
                throw new DigestChannelUnavailableException(reason);
            }
        };
        var host = harness.CreateHost();

        harness.Time.SetUtcNow(Utc(2026, 11, 2, 8, 0));
        await host.RunDueAsync(CancellationToken.None);
        harness.Time.SetUtcNow(Utc(2026, 11, 3, 8, 0));
        await host.RunDueAsync(CancellationToken.None);

        var paused = await harness.Store.GetSubscriptionAsync("100", CancellationToken.None);
        Assert.Equal(reason, paused!.PausedReason);
        Assert.Equal("paused: " + reason, paused.LastResult);
        Assert.DoesNotContain(harness.Poster.Messages, m => m.ChannelId == "100");
        Assert.Equal(2, harness.Poster.PostTimes("200").Count);
    }
}
