using System.Globalization;
using System.Text.Json.Nodes;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Store.Postgres.Tests;
using Xunit.Abstractions;

namespace PaperBot.IntegrationTests.TwoProcesses;

/// <summary>
/// Two bot processes of the real app (shard 0 and 1 of 2) on one PostgreSQL database against the fake Discord:
/// every interaction answered once by the process whose shard received it, every digest occurrence posted once
/// (also when the process posting it is killed half-way), and a paper added on one process found on the other.
/// </summary>
public sealed class TwoProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string DigestChannel = "645027906669510667";
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(90);
    private TwoBotProcesses? _cluster;

    private TwoBotProcesses Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Interactions_FromGuildsOnBothShards_AreEachAnsweredOnceByTheProcessOfTheirShard()
    {
        await StartAsync(papers: 6);

        var sent = new List<(FakeInteraction Interaction, int Shard)>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var (guild, shard) in new[] { (TwoBotProcesses.GuildOnShard0, 0), (TwoBotProcesses.GuildOnShard1, 1) })
            {
                sent.Add((await Cluster.Discord.DispatchCommandAsync("search", Query($"mixture of experts routing {round}"), guildId: guild), shard));
            }
        }

        await Cluster.WaitAsync(() => sent.All(s => !s.Interaction.Edits.IsEmpty), "every /search answered", Answered);

        foreach (var (interaction, shard) in sent)
        {
            Assert.Single(interaction.Callbacks);
            Assert.Single(interaction.Edits);
            Assert.Contains("Sparse mixture of experts routing study", interaction.Edits.Single().ToJsonString(), StringComparison.Ordinal);
            var senders = Cluster.Discord.Requests.Where(r => r.Path.Contains(interaction.Token, StringComparison.Ordinal)).Select(TwoBotProcesses.SenderOf).Distinct();
            Assert.Equal([shard], senders);
        }

        Assert.Empty(Cluster.Discord.Violations);
    }

    [PostgresFact]
    public async Task DigestOccurrence_WithBothProcessesRunning_IsPostedOnce()
    {
        await StartAsync(papers: 12);

        var occurrence = await SubscribeForTheNextMinuteAsync();
        await Cluster.WaitAsync(() => Cluster.Discord.PostedMessages(DigestChannel).Count >= 3, $"the digest of {occurrence:HH:mm} posted", TimeSpan.FromMinutes(3));
        var list = await Cluster.CliAsync("digest", "list");

        var posts = DigestPosts();
        Assert.Contains("last posted 12 papers in 3 messages", list, StringComparison.Ordinal);
        Assert.Equal(3, Cluster.Discord.PostedMessages(DigestChannel).Count);
        Assert.Equal(3, posts.Count); // no part sent twice, not even one that the nonce would have absorbed
        Assert.Equal(3, posts.Select(p => p.Json!["nonce"]!.ToString()).Distinct().Count());
        Assert.Single(posts.Select(TwoBotProcesses.SenderOf).Distinct());
        Assert.Empty(Cluster.Discord.Violations);
    }

    [PostgresFact]
    public async Task DigestOccurrence_ClaimantKilledWhilePostingPartTwo_IsFinishedByTheOtherProcessWithoutRepeatingPartOne()
    {
        await StartAsync(papers: 12, new() { ["Digest:ClaimLease"] = "00:00:10" });
        var stalled = Cluster.Discord.HoldChannelPost(DigestChannel, nth: 2);

        var occurrence = await SubscribeForTheNextMinuteAsync();
        var claimant = TwoBotProcesses.SenderOf(await stalled.Reached.WaitAsync(TimeSpan.FromMinutes(3)))
            ?? throw new InvalidOperationException("the stalled post came from neither process");
        Cluster.Kill(claimant);
        var survivor = 1 - claimant;
        await Cluster.WaitAsync(() => Cluster.Discord.PostedMessages(DigestChannel).Count >= 3, $"the digest of {occurrence:HH:mm} finished", TimeSpan.FromMinutes(2));
        var list = await Cluster.CliAsync("digest", "list");

        var posts = DigestPosts();
        Assert.True(stalled.Abandoned, "the killed process's post of part two never reached Discord");
        Assert.Contains("last posted 12 papers in 3 messages", list, StringComparison.Ordinal);
        Assert.Equal(3, Cluster.Discord.PostedMessages(DigestChannel).Count);
        Assert.Equal([claimant, survivor, survivor], posts.Select(p => TwoBotProcesses.SenderOf(p) ?? -1));
        Assert.Equal(3, posts.Select(p => p.Json!["nonce"]!.ToString()).Distinct().Count());
        Assert.Contains(Cluster.Bot(survivor).Lines, l => l.Contains("Resuming the unfinished digest", StringComparison.Ordinal) && l.Contains("(1 part(s) recorded)", StringComparison.Ordinal));
        Assert.Empty(Cluster.Discord.Violations);
    }

    [PostgresFact]
    public async Task PaperAdd_OnOneProcess_IsFoundBySearchOnTheOther()
    {
        await StartAsync(papers: 2);

        var added = await Cluster.Discord.DispatchCommandInAsync(DigestChannel, "paper",
            [new JsonObject { ["name"] = "add", ["type"] = 1, ["options"] = new JsonArray(new JsonObject { ["name"] = "source", ["type"] = 3, ["value"] = "2606.13677" }) }],
            permissions: "32", guildId: TwoBotProcesses.GuildOnShard0);
        await Cluster.WaitAsync(() => !added.Edits.IsEmpty, "/paper add answered on shard 0", Answered);
        var addedAt = DateTime.UtcNow;

        // Searched on the other process until it lists the paper: how soon depends on how that process follows the library.
        FakeInteraction search;
        var attempts = 0;
        DateTime sentAt;
        do
        {
            attempts++;
            sentAt = DateTime.UtcNow;
            search = await Cluster.Discord.DispatchCommandAsync("search", Query("dexterous manipulation of articulated tools"), guildId: TwoBotProcesses.GuildOnShard1);
            var pending = search;
            await Cluster.WaitAsync(() => !pending.Edits.IsEmpty, "/search answered on shard 1", Answered);
        }
        while (!Found(search) && DateTime.UtcNow - addedAt < TimeSpan.FromMinutes(1));

        output.WriteLine(FormattableString.Invariant(
            $"Search {attempts} on the other process found it: sent {(sentAt - addedAt).TotalSeconds:0.00} s after the add was answered, answered {(DateTime.UtcNow - addedAt).TotalSeconds:0.00} s after."));
        Assert.Contains("Mana: Dexterous Manipulation of Articulated Tools", added.Edits.Single().ToJsonString(), StringComparison.Ordinal);
        Assert.True(Found(search), "the paper added on shard 0's process was never found on shard 1's");
        Assert.Equal([0], Cluster.Discord.Requests.Where(r => r.Path.Contains(added.Token, StringComparison.Ordinal)).Select(TwoBotProcesses.SenderOf).Distinct());
        Assert.Equal([1], Cluster.Discord.Requests.Where(r => r.Path.Contains(search.Token, StringComparison.Ordinal)).Select(TwoBotProcesses.SenderOf).Distinct());
        Assert.Empty(Cluster.Discord.Violations);

        static bool Found(FakeInteraction search) => search.Edits.Single().ToJsonString().Contains("Mana: Dexterous Manipulation", StringComparison.Ordinal);
    }

    private static JsonArray Query(string text) => [new JsonObject { ["name"] = "query", ["type"] = 3, ["value"] = text }];

    private async Task StartAsync(int papers, Dictionary<string, string?>? extra = null)
    {
        _cluster = await TwoBotProcesses.CreateAsync(extra);
        await Cluster.IngestMixtureOfExpertsPapersAsync(papers); // also creates the library and the PostgreSQL schema
        await Cluster.StartBotsAsync();
    }

    /// <summary>
    /// Subscribes the channel (on shard 0's process) to a daily digest at the first whole minute at least 10 s away,
    /// so the subscription exists before its first occurrence; returns that occurrence.
    /// </summary>
    private async Task<DateTime> SubscribeForTheNextMinuteAsync()
    {
        var soon = DateTime.UtcNow.AddSeconds(10);
        var occurrence = new DateTime(soon.Year, soon.Month, soon.Day, soon.Hour, soon.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        var options = new JsonArray(
            new JsonObject { ["name"] = "topics", ["type"] = 3, ["value"] = "mixture of experts routing" },
            new JsonObject { ["name"] = "time", ["type"] = 3, ["value"] = occurrence.ToString("HH:mm", CultureInfo.InvariantCulture) },
            new JsonObject { ["name"] = "max", ["type"] = 4, ["value"] = 12 });
        var subscribe = await Cluster.Discord.DispatchCommandInAsync(DigestChannel, "digest",
            [new JsonObject { ["name"] = "subscribe", ["type"] = 1, ["options"] = options }], guildId: TwoBotProcesses.GuildOnShard0);
        await Cluster.WaitAsync(() => subscribe.AcknowledgedWith is 4 || !subscribe.Edits.IsEmpty, "/digest subscribe answered", Answered);
        var reply = (subscribe.Edits.LastOrDefault() ?? subscribe.Callbacks.Single()["data"]!.AsObject()).ToJsonString();
        Assert.Contains("gets a digest of new papers", reply, StringComparison.Ordinal);
        return occurrence;
    }

    private List<RecordedRequest> DigestPosts() =>
        [.. Cluster.Discord.Requests.Where(r => r.Method == "POST" && r.Template == "/channels/{channel_id}/messages" && r.Path.Contains(DigestChannel, StringComparison.Ordinal))];
}
