using System.Text.Json.Nodes;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Discord.Tests.Gateway;

/// <summary>The real gateway client against the fake gateway: the conformance scenarios 1–7 of the protocol checklist.</summary>
public sealed class GatewayShardTests : IAsyncLifetime
{
    private FakeDiscordServer _discord = null!;
    private BotHarness? _bot;

    public async Task InitializeAsync() => _discord = await FakeDiscordServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_bot is not null)
        {
            await _bot.DisposeAsync();
        }

        await _discord.DisposeAsync();
    }

    private async Task<BotHarness> StartAsync(Action<Dictionary<string, string?>>? configure = null, double jitter = 0.5)
    {
        _bot = await BotHarness.StartAsync(_discord, configure, jitter);
        return _bot;
    }

    private Task WaitAsync(Func<bool> condition, string what, double seconds = 20) => _bot!.WaitAsync(condition, what, seconds);

    private FakeGatewayConnection Connection(int index) => _discord.Gateway.Connections[index];

    [Fact]
    public async Task Connect_IdentifiesWithGuildsAndGuildMessagesThenHeartbeatsWithLastSequence()
    {
        _discord.Gateway.HeartbeatIntervalMs = 300;
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Connections.Count == 1 && Connection(0).Ops(1).Count() >= 2, "two heartbeats");

        var first = Connection(0);
        Assert.Equal("?v=10&encoding=json", first.Query);
        var identify = first.Ops(2).Single()["d"]!;
        Assert.Equal(_discord.Token, identify["token"]!.GetValue<string>());
        Assert.Equal(1 | (1 << 9), identify["intents"]!.GetValue<int>());
        Assert.Equal("[0,1]", identify["shard"]!.ToJsonString());
        Assert.NotNull(identify["properties"]!["os"]);
        // READY was sequence 1: heartbeats carry the last sequence seen.
        Assert.All(first.Ops(1), h => Assert.Equal(1, h["d"]!.GetValue<long>()));
        await WaitAsync(() => _bot!.Status.LastHeartbeatAck is not null, "heartbeat ACK recorded");
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task FirstHeartbeat_WaitsTheJitteredInterval()
    {
        _discord.Gateway.HeartbeatIntervalMs = 2000;
        await StartAsync(jitter: 0.9);
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        var connected = DateTime.UtcNow;

        await Task.Delay(700);
        Assert.Empty(Connection(0).Ops(1));
        await WaitAsync(() => Connection(0).Ops(1).Any(), "first heartbeat after 0.9 × 2000 ms");
        Assert.InRange((DateTime.UtcNow - connected).TotalMilliseconds, 700, 10_000);
    }

    [Fact]
    public async Task ServerHeartbeatRequest_IsAnsweredImmediately()
    {
        _discord.Gateway.HeartbeatIntervalMs = 600_000;
        await StartAsync(jitter: 0.99);
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        await Connection(0).SendAsync(FakePayloads.Load("gateway-heartbeat.json"));
        await WaitAsync(() => Connection(0).Ops(1).Any(), "heartbeat answering op 1", 5);
    }

    [Fact]
    public async Task MissingHeartbeatAck_ClosesAsZombieAndResumesWithSequence()
    {
        _discord.Gateway.HeartbeatIntervalMs = 200;
        _discord.Gateway.AckHeartbeats = false;
        using var metrics = new MetricCapture("paperbot.gateway.reconnects");
        await StartAsync(jitter: 0.1);
        await WaitAsync(() => _discord.Gateway.Connections.Count >= 2 && Connection(1).Ops(6).Any(), "resume on a second connection");

        Assert.NotEmpty(metrics.Of("paperbot.gateway.reconnects", ("reason", "zombie")));

        Assert.Equal(4200, Connection(0).ClientCloseCode);
        var resume = Connection(1).Ops(6).First()["d"]!;
        Assert.Equal(_discord.Gateway.CurrentSession!.Id, resume["session_id"]!.GetValue<string>());
        Assert.Equal(1, resume["seq"]!.GetValue<long>());
        Assert.Equal(_discord.ResumePort, Connection(1).Port);
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
    }

    [Fact]
    public async Task Reconnect_ResumesOnResumeUrlAndReceivesMissedDispatches()
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        using var metrics = new MetricCapture("paperbot.gateway.reconnects");

        // The client goes away on op 7; an interaction dispatched meanwhile must be replayed after RESUMED.
        await Connection(0).SendAsync(FakePayloads.Load("gateway-reconnect.json"));
        await WaitAsync(() => Connection(0).Ended, "first connection closed");
        var missed = await _discord.DispatchCommandAsync("help");

        await WaitAsync(() => _discord.Gateway.ResumeCount == 1 && missed.AcknowledgedWith is not null, "resume and replayed interaction answered");
        Assert.NotEqual(1000, Connection(0).ClientCloseCode);
        Assert.NotEqual(1001, Connection(0).ClientCloseCode);
        Assert.Equal(_discord.ResumePort, Connection(1).Port);
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
        Assert.Empty(Connection(1).Ops(2));
        Assert.Empty(_discord.Violations);
        Assert.NotEmpty(metrics.Of("paperbot.gateway.reconnects", ("reason", "reconnect_requested")));
    }

    [Fact]
    public async Task ReconnectBeforeHello_IdentifiesOnNextConnection()
    {
        var first = true;
        _discord.Gateway.OnConnect = async c =>
        {
            if (!first)
            {
                return true;
            }

            first = false;
            await c.SendAsync(FakePayloads.Load("gateway-reconnect.json"));
            return false;
        };
        await StartAsync();

        await WaitAsync(() => _discord.Gateway.Live is not null, "READY after op 7 before Hello");
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
        Assert.Equal(0, _discord.Gateway.ResumeCount);
    }

    [Fact]
    public async Task InvalidSessionResumable_ResumesAndCountsTheReconnectAsInvalidSession()
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        using var metrics = new MetricCapture("paperbot.gateway.reconnects");

        await Connection(0).SendAsync(new JsonObject { ["op"] = 9, ["d"] = true });
        await WaitAsync(() => _discord.Gateway.ResumeCount == 1 && _discord.Gateway.Live is not null, "resumed");
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
        Assert.NotEmpty(metrics.Of("paperbot.gateway.reconnects", ("reason", "invalid_session")));
    }

    [Fact]
    public async Task InvalidSessionNotResumable_IdentifiesAgainOnDiscoveryUrl()
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        var firstSession = _discord.Gateway.CurrentSession!.Id;

        _discord.Gateway.InvalidateSessions();
        await Connection(0).SendAsync(FakePayloads.Load("gateway-invalid-session.json"));
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "second identify");

        Assert.Equal(0, _discord.Gateway.ResumeCount);
        Assert.Equal(_discord.MainPort, _discord.Gateway.Live!.Port);
        Assert.NotEqual(firstSession, _discord.Gateway.CurrentSession!.Id);
    }

    [Fact]
    public async Task InvalidSessionNotResumable_WaitingForIdentifySlot_KeepsReadingAcksAndIdentifiesOnTheNextConnection()
    {
        // The identify slot is 4 s away while heartbeats are due every second: the frame loop must keep reading ACKs.
        // (A second, not less: on a loaded machine a shorter interval can miss an ACK for reasons of its own.)
        _discord.Gateway.HeartbeatIntervalMs = 1000;
        await StartAsync(s => s["Discord:IdentifyInterval"] = "00:00:04");
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        _discord.Gateway.InvalidateSessions();
        await Connection(0).SendAsync(FakePayloads.Load("gateway-invalid-session.json"));
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "second identify");

        var second = Connection(1);
        Assert.Equal(2, _discord.Gateway.Connections.Count);
        Assert.Null(second.ClientCloseCode);
        var ops = second.Received.Select(f => f["op"]!.GetValue<int>()).ToList();
        Assert.True(ops.IndexOf(1) >= 0 && ops.IndexOf(1) < ops.IndexOf(2), $"heartbeats flow while the identify waits: {string.Join(",", ops)}");
        Assert.DoesNotContain(_bot!.Logs.Lines, l => l.Contains("zombie", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessageContentIntent_IsRequestedOnlyWhenConfiguredAnd4014NamesIt()
    {
        await StartAsync(s => s["Discord:MessageContentIntent"] = "true");
        await WaitAsync(() => _bot!.Stopped, "host stopped on 4014");

        var intents = Connection(0).Ops(2).Single()["d"]!["intents"]!.GetValue<int>();
        Assert.Equal(1 | (1 << 9) | (1 << 15), intents);
        Assert.Equal(4014, Connection(0).ServerCloseCode);
        Assert.Contains("MESSAGE_CONTENT", _bot!.Status.FatalError, StringComparison.Ordinal);
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
    }

    [Theory]
    [InlineData(4004)]
    [InlineData(4010)]
    [InlineData(4011)]
    [InlineData(4012)]
    [InlineData(4013)]
    [InlineData(4014)]
    public async Task FatalCloseCode_StopsForGood(int code)
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        await Connection(0).CloseAsync(code);
        await WaitAsync(() => _bot!.Stopped, "host stopping");
        await Task.Delay(500);

        Assert.Single(_discord.Gateway.Connections);
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), _bot!.Status.FatalError);
        Assert.Contains(_bot.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains($"with {code}"));
    }

    [Theory]
    [InlineData(4007)]
    [InlineData(4009)]
    [InlineData(1000)]
    public async Task SessionEndingCloseCode_IdentifiesAfresh(int code)
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        await Connection(0).CloseAsync(code);
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "fresh identify");
        Assert.Equal(0, _discord.Gateway.ResumeCount);
        Assert.False(_bot!.Stopped);
    }

    [Theory]
    [InlineData(4000, "4000")]
    [InlineData(4002, "4002")]
    [InlineData(null, "network")]
    public async Task ResumableCloseOrDrop_ResumesAndCountsTheReason(int? code, string reason)
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        using var metrics = new MetricCapture("paperbot.gateway.reconnects");

        if (code is { } c)
        {
            await Connection(0).CloseAsync(c);
        }
        else
        {
            Connection(0).Drop();
        }

        await WaitAsync(() => _discord.Gateway.ResumeCount == 1 && _discord.Gateway.Live is not null, "resumed");
        Assert.Equal(1, _discord.Gateway.IdentifyCount);
        Assert.Equal(_discord.ResumePort, _discord.Gateway.Live!.Port);
        Assert.NotEmpty(metrics.Of("paperbot.gateway.reconnects", ("reason", reason)));
    }

    [Fact]
    public async Task SessionStartLimitExhausted_WaitsResetAfterBeforeIdentify()
    {
        _discord.SessionStartRemaining = 0;
        _discord.SessionStartResetAfterMs = 1500;
        var started = DateTime.UtcNow;
        await StartAsync();

        await WaitAsync(() => _discord.Gateway.IdentifyCount == 1, "identify");
        Assert.True((DateTime.UtcNow - started).TotalMilliseconds >= 1400, "identified before reset_after elapsed");
    }

    [Fact]
    public async Task ShardSettings_IdentifyWithThatShard()
    {
        await StartAsync(s =>
        {
            s["Discord:ShardCount"] = "3";
            s["Discord:ShardId"] = "2";
        });
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 1, "identify");
        Assert.Equal("[2,3]", Connection(0).Ops(2).Single()["d"]!["shard"]!.ToJsonString());
    }

    [Fact]
    public async Task AutoShardCount_RunsEveryRecommendedShard()
    {
        _discord.RecommendedShards = 2;
        await StartAsync(s => s["Discord:ShardCount"] = "auto");
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2, "two identifies");
        var shards = _discord.Gateway.Connections.Select(c => c.Ops(2).Single()["d"]!["shard"]!.ToJsonString()).Order().ToList();
        Assert.Equal(["[0,2]", "[1,2]"], shards);
    }

    [Fact]
    public async Task TwoShards_InteractionOfEachGuild_ArrivesOnlyOnTheOwningShardAndIsAnsweredOnce()
    {
        const string GuildOnShard0 = "290926798622163695"; // (id >> 22) % 2 == 0
        const string GuildOnShard1 = "290926798626357999"; // the documented payload's guild: (id >> 22) % 2 == 1
        await StartAsync(s => s["Discord:ShardCount"] = "2");
        await WaitAsync(() => _discord.Gateway.Connections.Count(c => c.Session is not null && !c.Ended) == 2, "both shards READY");

        var first = await _discord.DispatchCommandAsync("ask", new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "shard 0?" }), guildId: GuildOnShard0);
        var second = await _discord.DispatchCommandAsync("ask", new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "shard 1?" }), guildId: GuildOnShard1);
        await WaitAsync(() => !first.Edits.IsEmpty && !second.Edits.IsEmpty, "both answered");

        var sessions = _discord.Gateway.Connections.Select(c => c.Session!).ToDictionary(s => s.ShardId);
        Assert.Equal([0, 1], new[] { GuildOnShard0, GuildOnShard1 }.Select(g => FakeGateway.ShardOf(g, 2)));
        Assert.Equal([first.Id], Dispatched(sessions[0]));
        Assert.Equal([second.Id], Dispatched(sessions[1]));
        Assert.All(new[] { first, second }, i => Assert.Single(i.Callbacks));
        Assert.Empty(_discord.Violations);

        static List<string> Dispatched(FakeSession session)
        {
            lock (session)
            {
                return [.. session.History.Where(h => h.Type == "INTERACTION_CREATE").Select(h => h.Data["id"]!.GetValue<string>())];
            }
        }
    }

    [Fact]
    public async Task Token_NeverAppearsInTheLog()
    {
        _discord.Gateway.HeartbeatIntervalMs = 200;
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");
        await Connection(0).CloseAsync(4000);
        await WaitAsync(() => _discord.Gateway.ResumeCount == 1, "resume");

        Assert.DoesNotContain(_bot!.Logs.Lines, l => l.Contains(_discord.Token));
    }

    [Fact]
    public async Task FailedResume_FallsBackToAFreshIdentify()
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        _discord.Gateway.InvalidateSessions();
        Connection(0).Drop();
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "identify after the failed resume");

        Assert.Equal(1, _discord.Gateway.ResumeCount);
        Assert.Equal(_discord.MainPort, _discord.Gateway.Live!.Port);
    }

    [Fact]
    public async Task Backoff_GrowsWithFailuresUpToTheCap()
    {
        await StartAsync(s =>
        {
            s["Discord:ReconnectDelay"] = "00:00:01";
            s["Discord:MaxReconnectDelay"] = "00:00:10";
        }, jitter: 0.5);
        var options = _bot!.Get<Microsoft.Extensions.Options.IOptions<DiscordOptions>>().Value;
        var shard = new PaperBot.Discord.Gateway.GatewayShard(0, 1, null!, null!, null!, options, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, (_, _, _) => { }, () => 0.5);

        Assert.Equal([1000, 2000, 4000, 8000, 10000, 10000], new[] { 1, 2, 3, 4, 5, 12 }.Select(n => shard.Backoff(n).TotalMilliseconds));
    }

    [Fact]
    public async Task UnreachableResumeUrl_FallsBackToIdentifyAfterRetries()
    {
        await StartAsync();
        await WaitAsync(() => _discord.Gateway.Live is not null, "READY");

        // Every connection to the resume listener is refused at the HTTP level (no WebSocket upgrade).
        _discord.Gateway.RejectPort = _discord.ResumePort;
        Connection(0).Drop();
        await WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "identify after failed resumes");

        Assert.Equal(0, _discord.Gateway.ResumeCount);
        Assert.Equal(_discord.MainPort, _discord.Gateway.Live!.Port);
    }
}
