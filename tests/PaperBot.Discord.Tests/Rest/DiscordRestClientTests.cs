using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Rest;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Discord.Tests.Rest;

/// <summary>The REST client and its rate limiter against the fake's buckets and scripted 429s (checklist scenario 9).</summary>
public sealed class DiscordRestClientTests : IAsyncLifetime
{
    private const string ChannelMessages = "/channels/{channel_id}/messages";
    private FakeDiscordServer _discord = null!;
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _discord = await FakeDiscordServer.StartAsync();
        _bot = BotHarness.Create(_discord); // not started: only its REST client is used
    }

    public async Task DisposeAsync()
    {
        _bot.Host.Dispose();
        await _discord.DisposeAsync();
    }

    private DiscordRestClient Rest => _bot.Get<DiscordRestClient>();

    private static JsonObject Message(string text) => DiscordMessage.Text(text).ToJson();

    private Task<System.Text.Json.JsonElement?> Post(string channel, string text = "hi") =>
        Rest.SendAsync(RestRoute.ChannelMessage(channel), Message(text), CancellationToken.None);

    [Fact]
    public async Task Request_CarriesBotAuthorizationUserAgentAndJson()
    {
        await Post("645027906669510667");

        var request = _discord.Requests.Single();
        Assert.Equal("Bot " + _discord.Token, request.Headers["Authorization"]);
        Assert.Matches(@"^DiscordBot \(https?://[^,]+, [0-9][^)]*\)$", request.Headers["User-Agent"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"]);
        Assert.Equal("/channels/645027906669510667/messages", request.Path);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task ExhaustedBucket_NoRequestIsSentUntilItResets()
    {
        _discord.RateLimits.Define(new BucketRule("msgs", 2, TimeSpan.FromMilliseconds(400)), ChannelMessages);

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Post("645027906669510667", $"message {i}")));

        Assert.Equal(6, _discord.Requests.Count(r => r.Status == 200));
        Assert.Empty(_discord.Violations); // the fake flags any request sent into an exhausted bucket
        Assert.True(watch.ElapsedMilliseconds >= 700, $"6 requests at 2 per 400 ms took only {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task SharedBucketHash_IsHonouredAcrossRoutes()
    {
        _discord.RateLimits.Define(new BucketRule("shared", 3, TimeSpan.FromMilliseconds(500)), ChannelMessages, "/channels/{channel_id}");
        var channel = RestRoute.Create(HttpMethod.Get, "/channels/{channel_id}", "645027906669510667");

        // Learn the hash on both routes, then use both at once: the bucket has 1 left, so one must wait.
        await Post("645027906669510667");
        await Rest.SendAsync(channel, null, CancellationToken.None);
        await Task.WhenAll(Post("645027906669510667"), Rest.SendAsync(channel, null, CancellationToken.None), Post("645027906669510667"));

        Assert.Empty(_discord.Violations);
        Assert.Equal(5, _discord.Requests.Count(r => r.Status == 200));
    }

    [Fact]
    public async Task DifferentMajorIds_HaveSeparateBuckets()
    {
        _discord.RateLimits.Define(new BucketRule("msgs", 1, TimeSpan.FromSeconds(10)), ChannelMessages);

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Post("111111111111111111"), Post("222222222222222222"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), "the second channel waited for the first channel's bucket");
        Assert.Empty(_discord.Violations);
    }

    [Theory]
    [InlineData("rest-429-user-scope.json", "user")]
    [InlineData("rest-429-shared-scope.json", "shared")]
    [InlineData("rest-429-global.json", "global")]
    public async Task TooManyRequests_IsWaitedOutRetriedAndCountedByScope(string payload, string scope)
    {
        using var metrics = new MetricCapture("paperbot.rest.rate_limited");
        _discord.RateLimits.Enqueue429(payload, "POST", ChannelMessages, TimeSpan.FromMilliseconds(400));

        await Post("645027906669510667");

        Assert.Contains(metrics.Of("paperbot.rest.rate_limited"), m => m.Value == 1 && m.Tag("scope") == scope);

        var requests = _discord.Requests;
        Assert.Equal([429, 200], requests.Select(r => r.Status));
        var gap = requests[1].At - requests[0].At;
        Assert.True(gap >= TimeSpan.FromMilliseconds(380), $"retried after {gap.TotalMilliseconds} ms, before retry_after");
    }

    [Fact]
    public async Task GlobalRateLimit_DoesNotHoldInteractionCallbacks()
    {
        var (_, interaction) = _discord.NewInteraction("help");
        _discord.RateLimits.Enqueue429("rest-429-global.json", "POST", ChannelMessages, TimeSpan.FromSeconds(5));
        var blocked = Post("645027906669510667");
        await FakeDiscordServer.WaitUntilAsync(() => _bot.Logs.Lines.Any(l => l.Contains("Rate limited")), "global 429 seen by the client");

        // Non-interaction routes now wait for the global pause, interaction callbacks do not.
        var otherChannel = Post("999999999999999999");
        var watch = Stopwatch.StartNew();
        await Rest.SendAsync(RestRoute.InteractionCallback(interaction.Id, interaction.Token),
            new JsonObject { ["type"] = 5 }, CancellationToken.None);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"callback took {watch.ElapsedMilliseconds} ms behind the global pause");
        Assert.False(otherChannel.IsCompleted, "a normal route ignored the global pause");

        await Task.WhenAll(blocked, otherChannel);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task GlobalLimit_NoMoreThan50PerSecond()
    {
        // 120 requests on 120 channels: separate buckets, so only the global limiter spaces them.
        await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Post((100000000000000000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(120, _discord.Requests.Count(r => r.Status == 200));
        Assert.DoesNotContain(_discord.Violations, v => v.Contains("global"));
    }

    private void ScriptBadGateway(string template) =>
        _discord.RateLimits.Enqueue(new ScriptedResponse((m, t) => t == template, 502, new Dictionary<string, string>(), "{\"message\":\"502 Bad Gateway\",\"code\":0}"));

    [Fact]
    public async Task ServerError_OnPostWithEnforcedNonce_IsRetried()
    {
        ScriptBadGateway(ChannelMessages);
        var body = Message("once only");
        body["nonce"] = "digest-2026-11-29";
        body["enforce_nonce"] = true;

        await Rest.SendAsync(RestRoute.ChannelMessage("645027906669510667"), body, CancellationToken.None);

        Assert.Equal([502, 200], _discord.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task ServerError_OnPostWithoutNonce_IsReportedNotRetried()
    {
        ScriptBadGateway(ChannelMessages);

        var error = await Assert.ThrowsAsync<DiscordApiException>(() => Post("645027906669510667"));

        Assert.Equal(HttpStatusCode.BadGateway, error.Status);
        Assert.Equal([502], _discord.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task ServerError_OnIdempotentGet_IsRetried()
    {
        ScriptBadGateway("/channels/{channel_id}");

        await Rest.SendAsync(RestRoute.Create(HttpMethod.Get, "/channels/{channel_id}", "645027906669510667"), null, CancellationToken.None);

        Assert.Equal([502, 200], _discord.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task InvalidFormBody_ThrowsWithCodeAndIsNotRetried()
    {
        var body = FakePayloads.Load("error-50035-request.json").ToJsonString();
        _discord.RateLimits.Enqueue(new ScriptedResponse((m, t) => t == ChannelMessages, 400, new Dictionary<string, string>(), body));

        var error = await Assert.ThrowsAsync<DiscordApiException>(() => Post("645027906669510667"));

        Assert.Equal(50035, error.Code);
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("APPLICATION_COMMAND_TOO_LARGE", error.Errors);
        Assert.Single(_discord.Requests);
    }

    [Fact]
    public async Task Unauthorized_StopsUsingTheToken()
    {
        await using var other = await FakeDiscordServer.StartAsync(token: "a-different-token");
        var bot = BotHarness.Create(other, s => s["Discord:Token"] = "wrong-token");
        try
        {
            var rest = bot.Get<DiscordRestClient>();
            await Assert.ThrowsAsync<DiscordApiException>(() => rest.SendAsync(RestRoute.GatewayBot(), null, CancellationToken.None));
            await Assert.ThrowsAsync<DiscordApiException>(() => rest.SendAsync(RestRoute.GatewayBot(), null, CancellationToken.None));
            Assert.Single(other.Requests);
            Assert.DoesNotContain(bot.Logs.Lines, l => l.Contains("wrong-token"));
        }
        finally
        {
            bot.Host.Dispose();
        }
    }

    [Fact]
    public async Task InteractionCallback_TwiceIsRejectedWith40060()
    {
        var (_, interaction) = _discord.NewInteraction("help");
        var route = RestRoute.InteractionCallback(interaction.Id, interaction.Token);
        await Rest.SendAsync(route, new JsonObject { ["type"] = 5 }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<DiscordApiException>(() => Rest.SendAsync(route, new JsonObject { ["type"] = 5 }, CancellationToken.None));
        Assert.Equal(40060, error.Code);
    }

    [Fact]
    public async Task InteractionCallback_AfterThreeSecondsIsUnknownInteraction()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        _discord.Clock = clock;
        var (_, interaction) = _discord.NewInteraction("help");
        clock.Advance(TimeSpan.FromSeconds(3.1));

        var error = await Assert.ThrowsAsync<DiscordApiException>(() =>
            Rest.SendAsync(RestRoute.InteractionCallback(interaction.Id, interaction.Token), new JsonObject { ["type"] = 5 }, CancellationToken.None));
        Assert.Equal(10062, error.Code);
    }

    [Fact]
    public async Task EditAfterFifteenMinutes_IsRejected()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        _discord.Clock = clock;
        var (_, interaction) = _discord.NewInteraction("ask");
        await Rest.SendAsync(RestRoute.InteractionCallback(interaction.Id, interaction.Token), new JsonObject { ["type"] = 5 }, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(15.5));

        var error = await Assert.ThrowsAsync<DiscordApiException>(() =>
            Rest.SendAsync(RestRoute.OriginalResponse(HttpMethod.Patch, interaction.ApplicationId, interaction.Token), Message("late"), CancellationToken.None));
        Assert.Equal(50027, error.Code);
    }

    [Fact]
    public async Task InvalidRequests_AreCountedExceptSharedScope429s()
    {
        _discord.RateLimits.Enqueue(new ScriptedResponse((m, t) => t == ChannelMessages, 403, new Dictionary<string, string>(), "{\"message\":\"Missing Permissions\",\"code\":50013}"));
        _discord.RateLimits.Enqueue429("rest-429-user-scope.json", "POST", ChannelMessages, TimeSpan.FromMilliseconds(50));
        _discord.RateLimits.Enqueue429("rest-429-shared-scope.json", "POST", ChannelMessages, TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<DiscordApiException>(() => Post("645027906669510667"));
        Assert.Equal(50013, error.Code);
        await Post("645027906669510667");

        Assert.Equal(2, Rest.InvalidRequestsInWindow);
    }
}
