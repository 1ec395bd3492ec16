using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core;
using PaperBot.Core.Digests;
using PaperBot.Core.Ingestion;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.Digests;

/// <summary>/digest against the fake Discord, with the real Core (library, embeddings, digests) behind it.</summary>
public sealed class DigestEndToEndTests : IAsyncLifetime
{
    private const string ChannelId = "645027906669510667"; // the channel of the documented interaction payload
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-digest-e2e", Guid.NewGuid().ToString("N"));
    private FakeDiscordServer _discord = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _discord = await FakeDiscordServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _discord.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    [Fact]
    public async Task Digest_SubscribePreviewPostAndVoteAfterRestart_WorksAndEveryBodyValidates()
    {
        JsonObject voteButton;
        await using (var bot = await StartBotAsync())
        {
            await IngestAsync(bot, 12);

            var subscribe = await CommandAsync(bot, "subscribe", ("topics", 3, "mixture of experts routing"), ("time", 3, "07:30"), ("timezone", 3, "Europe/Berlin"), ("max", 4, 12));
            Assert.Contains($"<#{ChannelId}> gets a digest of new papers on *mixture of experts routing* daily at 07:30 Europe/Berlin", Text(subscribe));

            var preview = await CommandAsync(bot, "preview");
            Assert.Equal(64, preview.Callbacks.Single()["data"]!["flags"]!.GetValue<int>()); // ephemeral
            var previewBody = preview.Edits.Single();
            Assert.Equal(10, previewBody["embeds"]!.AsArray().Count); // 12 entries split: 10 here, 2 in a followup
            Assert.Empty(_discord.PostedMessages(ChannelId));

            // The scheduler's path for an occurrence: claim, post with nonces, record.
            var subscription = (await bot.Get<IDigestStore>().GetSubscriptionAsync(ChannelId, CancellationToken.None))!;
            var outcome = await bot.Get<DigestRunner>().RunAsync(subscription, "2026-11-30T06:30Z", CancellationToken.None);
            var again = await bot.Get<DigestRunner>().RunAsync(subscription, "2026-11-30T06:30Z", CancellationToken.None);

            Assert.Equal(DigestRunStatus.Posted, outcome.Status);
            Assert.Equal(DigestRunStatus.AlreadyClaimed, again.Status);
            var posted = _discord.PostedMessages(ChannelId);
            Assert.Equal(3, posted.Count); // 5 + 5 + 2 papers
            Assert.Equal([5, 5, 2], posted.Select(m => m["embeds"]!.AsArray().Count));
            Assert.All(posted, m => Assert.Equal(m["embeds"]!.AsArray().Count, m["components"]!.AsArray().Count));
            Assert.All(_discord.Requests.Where(r => r.Method == "POST" && r.Template == "/channels/{channel_id}/messages"), r =>
            {
                Assert.True(r.Json!["enforce_nonce"]!.GetValue<bool>());
                Assert.Equal("{\"parse\":[]}", r.Json["allowed_mentions"]!.ToJsonString());
            });
            Assert.Empty(_discord.Violations);
            voteButton = posted[0]["components"]![0]!["components"]![0]!.AsObject();
            Assert.Equal("👍", voteButton["emoji"]!["name"]!.GetValue<string>());
        }

        // A new process: the vote button works from its custom id and the library alone.
        await using (var restarted = await StartBotAsync())
        {
            // The fake gateway keeps the first process's session too: wait for this process's own connection.
            await restarted.WaitAsync(() => restarted.Logs.Lines.Any(l => l.Contains("READY (session established)", StringComparison.Ordinal)), "READY after restart");
            await restarted.WaitAsync(() => _discord.Gateway.Connections.Count(c => !c.Ended && c.Session is not null) == 1, "only the new connection live");
            var vote = await ComponentAsync(restarted, voteButton["custom_id"]!.GetValue<string>());
            var reply = vote.Callbacks.Single();
            Assert.Equal(4, reply["type"]!.GetValue<int>());
            Assert.StartsWith("👍 Noted: this channel's digests will favour papers like “Sparse mixture of experts routing study", reply["data"]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Single(await restarted.Get<IDigestStore>().GetVotesAsync(ChannelId, CancellationToken.None));

            var list = await CommandAsync(restarted, "list");
            Assert.Contains("1 voted paper shape its ranking", Text(list), StringComparison.Ordinal);
            Assert.Contains("last: posted 12 papers in 3 messages", Text(list), StringComparison.Ordinal);
            Assert.Empty(_discord.Violations);
        }
    }

    [Fact]
    public async Task DigestNow_ChannelDeleted_PausesTheSubscriptionAndListShowsWhy()
    {
        await using var bot = await StartBotAsync();
        await IngestAsync(bot, 3);
        await CommandAsync(bot, "subscribe", ("topics", 3, "mixture of experts routing"));
        _discord.DeleteChannel(ChannelId);

        var now = await CommandAsync(bot, "now");
        var list = await CommandAsync(bot, "list");

        Assert.StartsWith($"Could not post in <#{ChannelId}>: the channel no longer exists (Discord error 10003, Unknown Channel).", Text(now), StringComparison.Ordinal);
        Assert.Contains("⏸️ **paused**: the channel no longer exists", Text(list), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("time", "25:00", "'25:00' is not a time. Use HH:mm on a 24-hour clock, for example 08:00 or 17:30.")]
    [InlineData("timezone", "Mars/Olympus", "'Mars/Olympus' is not a known time zone. Use an IANA name such as UTC, Europe/Berlin or America/New_York.")]
    [InlineData("cron", "every morning", "'every morning' is not a cron expression")]
    [InlineData("topics", ", ;", "Topics are empty.")]
    public async Task DigestSubscribe_InvalidInput_RepliesEphemerallyWithWhatIsAcceptedAndStoresNothing(string option, string value, string expected)
    {
        await using var bot = await StartBotAsync();
        var options = option == "topics"
            ? new (string, int, object)[] { ("topics", 3, value) }
            : [("topics", 3, "retrieval"), (option, 3, value)];

        var reply = await CommandAsync(bot, "subscribe", options);

        var data = reply.Callbacks.Single()["data"]!;
        Assert.Equal(64, data["flags"]!.GetValue<int>());
        Assert.StartsWith(expected, data["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await bot.Get<IDigestStore>().ListSubscriptionsAsync(null, CancellationToken.None));
    }

    private Task<BotHarness> StartBotAsync() => BotHarness.StartReadyAsync(
        _discord,
        settings =>
        {
            settings["Library:Path"] = Path.Combine(_folder, "library.db");
            settings["Library:SeedSampleWhenEmpty"] = "false";
            settings["Feeds:Enabled"] = "false";
            settings["Digest:Enabled"] = "false"; // the test drives runs itself
        },
        libraryPath: Path.Combine(_folder, "library.db"));

    private async Task IngestAsync(BotHarness bot, int papers)
    {
        var file = Path.Combine(_folder, "papers.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, papers).Select(i =>
            $$"""{"id": "2611.{{i:00000}}", "title": "Sparse mixture of experts routing study {{i}}", "authors": ["A. Author", "B. Author", "C. Author", "D. Author"], "abstract": "We propose routing method {{i}} for sparse mixture-of-experts language models, where a learned router sends each token to a few expert networks. {{new string('x', 40)}}"}"""));
        await bot.Get<PaperIngestor>().IngestAsync(file);
    }

    private async Task<FakeInteraction> CommandAsync(BotHarness bot, string subcommand, params (string Name, int Type, object Value)[] options)
    {
        var inner = new JsonArray([.. options.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.Name,
            ["type"] = o.Type,
            ["value"] = o.Value is int n ? JsonValue.Create(n) : JsonValue.Create((string)o.Value),
        })]);
        var (json, interaction) = _discord.NewInteraction("digest", [new JsonObject { ["name"] = subcommand, ["type"] = 1, ["options"] = inner }]);
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json, _discord.Gateway.Live!.Session);
        await bot.WaitAsync(() => interaction.AcknowledgedWith is 4 || (interaction.AcknowledgedWith is 5 && !interaction.Edits.IsEmpty), $"/digest {subcommand} answered", 60);
        return interaction;
    }

    private async Task<FakeInteraction> ComponentAsync(BotHarness bot, string customId)
    {
        var (json, fake) = _discord.NewInteraction("digest", type: 3);
        json["data"] = new JsonObject { ["custom_id"] = customId, ["component_type"] = 2 };
        json["message"] = new JsonObject { ["id"] = "1095661440997806999", ["channel_id"] = ChannelId };
        // Sent on the live connection's session (the fake's "current" session may be the first process's).
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json, _discord.Gateway.Live!.Session);
        await bot.WaitAsync(() => fake.AcknowledgedWith is not null, "vote acknowledged", 30);
        await bot.WaitAsync(() => !fake.Callbacks.IsEmpty, "vote answered", 30);
        return fake;
    }

    private static string Text(FakeInteraction interaction) =>
        (interaction.Edits.LastOrDefault() ?? interaction.Callbacks.Single()["data"]!.AsObject())["content"]!.GetValue<string>();
}
