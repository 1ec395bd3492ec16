using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.Interactions;

/// <summary>The HTTP transport: Ed25519 golden vectors over a real Kestrel endpoint on loopback.</summary>
public sealed class HttpInteractionEndpointTests : IAsyncLifetime
{
    private static readonly JsonObject Golden = FakePayloads.LoadObject("ed25519-interaction-signature-golden.json");

    /// <summary>The golden vectors were signed at this time; the bot's clock starts there so they are fresh.</summary>
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1700000000);
    private FakeDiscordServer _discord = null!;
    private BotHarness _bot = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async Task InitializeAsync()
    {
        _discord = await FakeDiscordServer.StartAsync();
        _bot = await BotHarness.StartAsync(_discord, s =>
        {
            s["Discord:Transport"] = "http";
            s["Discord:PublicKey"] = Golden["public_key_hex"]!.GetValue<string>();
            s["Discord:HttpListenUrl"] = "http://127.0.0.1:0";
        }, services: services => services.AddSingleton<TimeProvider>(new ShiftedTimeProvider(SignedAt)));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _bot.DisposeAsync();
        await _discord.DisposeAsync();
    }

    private Uri Endpoint => new(_bot.Get<HttpInteractionEndpoint>().BoundAddress!, "/interactions");

    public static TheoryData<string> Cases() => new(Golden["cases"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task GoldenVector_IsAcceptedOrRejectedAsExpected(string name)
    {
        var test = Golden["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent(test["raw_body"]!.GetValue<string>(), Encoding.UTF8, "application/json"),
        };
        foreach (var (header, value) in test["headers"]!.AsObject())
        {
            request.Headers.TryAddWithoutValidation(header, value!.GetValue<string>());
        }

        using var response = await _http.SendAsync(request);

        if (test["expect_valid"]!.GetValue<bool>())
        {
            Assert.True(response.IsSuccessStatusCode, $"{name}: {response.StatusCode}");
            if (test["expect_response"] is JsonNode expected)
            {
                Assert.Equal(expected.ToJsonString(), JsonNode.Parse(await response.Content.ReadAsStringAsync())!.ToJsonString());
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        else
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task BadSignature_NeverReachesTheDispatcher()
    {
        using var response = await _http.PostAsync(Endpoint, new StringContent("{\"id\":\"1\",\"token\":\"t\",\"type\":2,\"data\":{\"name\":\"help\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(_discord.Requests, r => r.Template.Contains("callback", StringComparison.Ordinal));
    }

    private static HttpRequestMessage Signed(Uri endpoint, string body, string timestamp)
    {
        var seed = Convert.FromHexString(Golden["private_key_seed_hex_TEST_ONLY"]!.GetValue<string>());
        using var key = NSec.Cryptography.Key.Import(NSec.Cryptography.SignatureAlgorithm.Ed25519, seed, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        var signature = NSec.Cryptography.SignatureAlgorithm.Ed25519.Sign(key, Encoding.UTF8.GetBytes(timestamp + body));
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Signature-Ed25519", Convert.ToHexStringLower(signature));
        request.Headers.Add("X-Signature-Timestamp", timestamp);
        return request;
    }

    [Theory]
    [InlineData(-3600)]
    [InlineData(-400)]
    [InlineData(3600)]
    public async Task SignedRequest_WithTimestampFarFromNow_IsRefusedAsReplay(int offsetSeconds)
    {
        var (json, interaction) = _discord.NewInteraction("ask", new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "replayed?" }));
        var timestamp = (1700000000 + offsetSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = Signed(Endpoint, json.ToJsonString(), timestamp);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Task.Delay(200);
        Assert.Null(interaction.AcknowledgedWith);
        Assert.Empty(_bot.Assistant.Calls);
    }

    [Fact]
    public async Task SignedCommand_WhenTheQueueIsFull_IsAnsweredBusyInTheResponse()
    {
        await using var discord = await FakeDiscordServer.StartAsync();
        await using var bot = await BotHarness.StartAsync(discord, s =>
        {
            s["Discord:Transport"] = "http";
            s["Discord:PublicKey"] = Golden["public_key_hex"]!.GetValue<string>();
            s["Discord:HttpListenUrl"] = "http://127.0.0.1:0";
            s["Discord:InteractionConcurrency"] = "1";
            s["Discord:InteractionQueueCapacity"] = "1";
        }, services: services => services.AddSingleton<TimeProvider>(new ShiftedTimeProvider(SignedAt)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = bot.Assistant.Ask;
        bot.Assistant.Ask = async (request, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return await answer(request, ct);
        };
        var endpoint = new Uri(bot.Get<HttpInteractionEndpoint>().BoundAddress!, "/interactions");
        async Task<HttpResponseMessage> SendAsync(string question)
        {
            var (json, _) = discord.NewInteraction("ask", new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = question }));
            using var request = Signed(endpoint, json.ToJsonString(), "1700000010");
            return await _http.SendAsync(request);
        }

        using var first = await SendAsync("first?");
        await bot.WaitAsync(() => bot.Assistant.Calls.Count == 1, "first question running");
        using var second = await SendAsync("second?");
        using var third = await SendAsync("third?");
        gate.SetResult();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var busy = JsonNode.Parse(await third.Content.ReadAsStringAsync())!;
        Assert.Equal(4, busy["type"]!.GetValue<int>());
        Assert.Equal(64, busy["data"]!["flags"]!.GetValue<int>());
        Assert.Equal(InteractionQueue.BusyMessage, busy["data"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task SignedCommand_IsAcceptedAndDeferredThroughTheCallbackEndpoint()
    {
        var (json, interaction) = _discord.NewInteraction("ask", new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "over http?" }));
        using var request = Signed(Endpoint, json.ToJsonString(), "1700000030");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _bot.WaitAsync(() => !interaction.Edits.IsEmpty, "deferred and edited");
        Assert.Equal(5, interaction.AcknowledgedWith);
        Assert.Empty(_discord.Violations);
    }
}
