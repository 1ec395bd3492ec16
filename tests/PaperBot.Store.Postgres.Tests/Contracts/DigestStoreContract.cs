using PaperBot.Core.Digests;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>Subscriptions, runs claimed once per occurrence, plans, posted parts, completion and votes.</summary>
public abstract class DigestStoreContract : StoreContract
{
    private const string Owner = "host-a/100/aaaaaaaa";
    private const string OtherOwner = "host-b/200/bbbbbbbb";

    private static SubscriptionDraft Draft(string channel, string topics = "mixture of experts", string? guild = "g1") =>
        new(guild, channel, topics, ["cs.CL", "cs.LG"], "0 9 * * *", "Europe/Paris", 5, 0.3, "admin");

    [SkippableFact]
    public async Task UpsertSubscription_SameChannelTwice_UpdatesOneSubscription()
    {
        var first = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var second = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1", "retrieval") with { GuildId = null }, Start.AddDays(1), CancellationToken.None);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(("g1", "retrieval", Start.AddDays(1)), (second.GuildId, second.Topics, second.CreatedAt));
        Assert.Equal(["cs.CL", "cs.LG"], second.Categories);
        Assert.Equal(("0 9 * * *", "Europe/Paris", 5, 0.3), (second.Cron, second.TimeZone, second.MaxPapers, second.MinScore));
        Assert.Equivalent(second, await Stores.Digests.GetSubscriptionAsync(first.Id, CancellationToken.None), strict: true);
        Assert.Equivalent(second, await Stores.Digests.GetSubscriptionAsync("c1", CancellationToken.None), strict: true);
    }

    [SkippableFact]
    public async Task ListSubscriptions_ByServer_ReturnsThatServersOnly()
    {
        await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        await Stores.Digests.UpsertSubscriptionAsync(Draft("c2", guild: "g2"), Start, CancellationToken.None);
        await Stores.Digests.UpsertSubscriptionAsync(Draft("c3"), Start, CancellationToken.None);

        Assert.Equal(["c1", "c3"], (await Stores.Digests.ListSubscriptionsAsync("g1", CancellationToken.None)).Select(s => s.ChannelId));
        Assert.Equal(["c1", "c2", "c3"], (await Stores.Digests.ListSubscriptionsAsync(null, CancellationToken.None)).Select(s => s.ChannelId));
        Assert.True(await Stores.Digests.RemoveSubscriptionAsync("c2", CancellationToken.None));
        Assert.False(await Stores.Digests.RemoveSubscriptionAsync("c2", CancellationToken.None));
        Assert.Null(await Stores.Digests.GetSubscriptionAsync("c2", CancellationToken.None));
    }

    [SkippableFact]
    public async Task Pause_ThenUpsert_PausesAndResubscribingResumes()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);

        await Stores.Digests.PauseAsync(subscription.Id, "channel deleted", Start.AddHours(1), CancellationToken.None);
        var paused = await Stores.Digests.GetSubscriptionAsync(subscription.Id, CancellationToken.None);
        var resumed = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start.AddHours(2), CancellationToken.None);

        Assert.Equal(("channel deleted", "paused: channel deleted"), (paused!.PausedReason, paused.LastResult));
        Assert.Null(resumed.PausedReason);
    }

    [SkippableFact]
    public async Task TryClaim_SameOccurrenceTwice_OnlyTheFirstClaims()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);

        var run = await Stores.Digests.TryClaimAsync(subscription.Id, "2026-11-01T09:00Z", Owner, Start, Start.AddMinutes(10), CancellationToken.None);
        var again = await Backend.OpenProcess().Digests.TryClaimAsync(subscription.Id, "2026-11-01T09:00Z", OtherOwner, Start, Start.AddMinutes(10), CancellationToken.None);

        Assert.NotNull(run);
        Assert.Null(again);
        Assert.Equivalent(
            new DigestRun(run.Id, subscription.Id, "2026-11-01T09:00Z", DigestRunStates.Claimed, Owner, Start.AddMinutes(10), null, [], null),
            await Stores.Digests.GetRunAsync(subscription.Id, "2026-11-01T09:00Z", CancellationToken.None),
            strict: true);
    }

    [SkippableFact]
    public async Task TryClaim_TwoProcessesRacingForEachOccurrence_ExactlyOneWinsEach()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var processes = new[] { (Store: Stores.Digests, Owner), (Store: Backend.OpenProcess().Digests, Owner: OtherOwner) };
        var occurrences = Enumerable.Range(0, 20).Select(i => Start.AddDays(i).ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var claims = await Task.WhenAll(occurrences.SelectMany(occurrence => processes.Select(p =>
            Task.Run(async () => (occurrence, p.Owner, Run: await p.Store.TryClaimAsync(subscription.Id, occurrence, p.Owner, Start, Start.AddMinutes(10), CancellationToken.None))))));

        foreach (var occurrence in occurrences)
        {
            var winners = claims.Where(c => c.occurrence == occurrence && c.Run is not null).ToList();
            Assert.Single(winners);
            Assert.Equal(winners[0].Owner, (await Stores.Digests.GetRunAsync(subscription.Id, occurrence, CancellationToken.None))!.ClaimedBy);
        }
    }

    [SkippableFact]
    public async Task TryTakeOver_LiveLeaseOfAnother_IsRefusedUntilItExpiresOrItsOwnerIsDead()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var run = (await Stores.Digests.TryClaimAsync(subscription.Id, "o1", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;
        var other = Backend.OpenProcess().Digests;

        Assert.Null(await other.TryTakeOverAsync(run.Id, OtherOwner, null, Start.AddMinutes(5), Start.AddMinutes(15), CancellationToken.None));
        var byDeath = await other.TryTakeOverAsync(run.Id, OtherOwner, Owner, Start.AddMinutes(5), Start.AddMinutes(15), CancellationToken.None);
        var afterExpiry = await Stores.Digests.TryTakeOverAsync(run.Id, Owner, null, Start.AddMinutes(15), Start.AddMinutes(25), CancellationToken.None);

        Assert.Equal((OtherOwner, Start.AddMinutes(15)), (byDeath!.ClaimedBy, byDeath.LeaseUntil));
        Assert.Equal((Owner, Start.AddMinutes(25)), (afterExpiry!.ClaimedBy, afterExpiry.LeaseUntil));
    }

    [SkippableFact]
    public async Task SavePlan_Twice_TheFirstPlanStands()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var run = (await Stores.Digests.TryClaimAsync(subscription.Id, "o1", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;

        Assert.Equal("{\"plan\":1}", (await Stores.Digests.SavePlanAsync(run.Id, "{\"plan\":1}", CancellationToken.None)).Plan);
        Assert.Equal("{\"plan\":1}", (await Backend.OpenProcess().Digests.SavePlanAsync(run.Id, "{\"plan\":2}", CancellationToken.None)).Plan);
    }

    [SkippableFact]
    public async Task RecordPart_OutOfOrder_KeepsEachPartInItsPlaceAndExtendsTheLease()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var run = (await Stores.Digests.TryClaimAsync(subscription.Id, "o1", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;

        await Stores.Digests.RecordPartAsync(run.Id, 0, "m0", Start.AddMinutes(11), CancellationToken.None);
        await Stores.Digests.RecordPartAsync(run.Id, 2, "m2", Start.AddMinutes(12), CancellationToken.None);

        var stored = (await Stores.Digests.GetRunAsync(run.Id, CancellationToken.None))!;
        Assert.Equal(["m0", "", "m2"], stored.MessageIds);
        Assert.Equal(Start.AddMinutes(12), stored.LeaseUntil);
    }

    [SkippableFact]
    public async Task CompleteRun_PostedPapers_AreNoLongerCandidatesForThatChannel()
    {
        var ids = await Backend.AddPapersAsync(("2611.00001", "Sparse expert routing"), ("2611.00002", "Dense retrieval"), ("2611.00003", "Token pruning"));
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var run = (await Stores.Digests.TryClaimAsync(subscription.Id, "o1", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;
        var highWater = await Stores.Digests.GetArrivalHighWaterAsync(CancellationToken.None);

        await Stores.Digests.CompleteRunAsync(run, "c1", [ids[0], ids[2]], highWater, "posted 2", Start.AddMinutes(1), CancellationToken.None);

        var forChannel = await Stores.Digests.GetCandidatesAsync("c1", null, null, highWater, CancellationToken.None);
        var forAnother = await Stores.Digests.GetCandidatesAsync("c2", null, null, highWater, CancellationToken.None);
        var done = await Stores.Digests.GetRunAsync(run.Id, CancellationToken.None);
        var after = await Stores.Digests.GetSubscriptionAsync(subscription.Id, CancellationToken.None);
        Assert.Equal([ids[1]], forChannel.Select(c => c.Paper.Id));
        Assert.Equal(ids.Order(StringComparer.Ordinal), forAnother.Select(c => c.Paper.Id).Order(StringComparer.Ordinal));
        Assert.Equal(DigestRunStates.Done, done!.State);
        Assert.Equal((highWater, "posted 2", Start.AddMinutes(1)), (after!.HighWater, after.LastResult, after.LastRunAt));
        Assert.Empty(await Stores.Digests.ListUnfinishedRunsAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task GetCandidates_AfterAnArrival_ReturnsOnlyLaterArrivalsUpToTheMark()
    {
        await Backend.AddPapersAsync(("2611.00001", "Sparse expert routing"));
        var first = await Stores.Digests.GetArrivalHighWaterAsync(CancellationToken.None);
        await Backend.AddPapersAsync(("2611.00002", "Dense retrieval"));
        var second = await Stores.Digests.GetArrivalHighWaterAsync(CancellationToken.None);
        await Backend.AddPapersAsync(("2611.00003", "Token pruning"));

        var candidates = await Stores.Digests.GetCandidatesAsync("c1", first, null, second, CancellationToken.None);

        Assert.True(second > first);
        Assert.Equal(["2611.00002"], candidates.Select(c => c.Paper.Id));
        Assert.NotNull(candidates[0].Vector);
        Assert.Equal(0, await Backend.OpenProcess().Digests.GetArrivalHighWaterAsync(CancellationToken.None) - await Stores.Digests.GetArrivalHighWaterAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task EndRun_Failed_IsFinishedWithItsReasonAndNoLongerUnfinished()
    {
        var subscription = await Stores.Digests.UpsertSubscriptionAsync(Draft("c1"), Start, CancellationToken.None);
        var failed = (await Stores.Digests.TryClaimAsync(subscription.Id, "o1", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;
        var open = (await Stores.Digests.TryClaimAsync(subscription.Id, "o2", Owner, Start, Start.AddMinutes(10), CancellationToken.None))!;

        await Stores.Digests.EndRunAsync(failed.Id, DigestRunStates.Failed, "missing permission", Start.AddMinutes(1), CancellationToken.None);
        await Stores.Digests.RecordSkippedAsync(subscription.Id, "o0", "too old", Start, CancellationToken.None);
        await Stores.Digests.RecordSkippedAsync(subscription.Id, "o2", "too old", Start, CancellationToken.None);

        var ended = (await Stores.Digests.GetRunAsync(failed.Id, CancellationToken.None))!;
        Assert.Equal((DigestRunStates.Failed, "missing permission"), (ended.State, ended.Error));
        Assert.Equal(DigestRunStates.Skipped, (await Stores.Digests.GetRunAsync(subscription.Id, "o0", CancellationToken.None))!.State);
        Assert.Equal([open.Id], (await Stores.Digests.ListUnfinishedRunsAsync(CancellationToken.None)).Select(r => r.Id));
        Assert.Null(await Stores.Digests.TryTakeOverAsync(failed.Id, Owner, null, Start.AddHours(1), Start.AddHours(2), CancellationToken.None));
    }

    [SkippableFact]
    public async Task RecordVote_ChangedVotes_SumPerPaperWithoutZeros()
    {
        var digests = Stores.Digests;
        await digests.RecordVoteAsync("c1", "p1", "u1", 1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p1", "u2", 5, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p2", "u1", 1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p2", "u1", -1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p2", "u2", 1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p3", "u1", 1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c1", "p3", "u2", -1, Start, CancellationToken.None);
        await digests.RecordVoteAsync("c2", "p1", "u1", -1, Start, CancellationToken.None);

        var votes = await Backend.OpenProcess().Digests.GetVotesAsync("c1", CancellationToken.None);

        Assert.Equal([new DigestVote("p1", 2)], votes);
    }
}

public sealed class SqliteDigestStoreTests : DigestStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresDigestStoreTests : DigestStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
