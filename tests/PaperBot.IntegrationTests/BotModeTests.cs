using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaperBot.Core.Assistant;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using PaperBot.Host;

namespace PaperBot.IntegrationTests;

/// <summary>
/// The real host in bot mode (Core with a real SQLite library, the Discord layer, the bot-mode branch) against
/// the fake Discord: once with a hand-written assistant (to pin exact output), once with the real PaperBot.AI
/// assistant (no model endpoint configured, so it answers extractively).
/// </summary>
public sealed class BotModeTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-bot-tests", Guid.NewGuid().ToString("N"));
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
            // The OS cleans temp folders.
        }
    }

    private (IHost Host, AppIo Io, StringWriter Error) BuildHost(bool seed = true, bool fakeAssistant = true, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Discord:Token"] = _discord.Token,
            ["Discord:ApiBaseUrl"] = _discord.ApiBaseUrl,
            ["Discord:GuildId"] = "290926798626357999",
            ["Discord:HeartbeatFile"] = Path.Combine(_folder, "heartbeat"),
            ["Discord:ReconnectDelay"] = "00:00:00.050",
            ["Discord:MaxReconnectDelay"] = "00:00:00.400",
            ["Library:Path"] = Path.Combine(_folder, "library.db"),
            ["Library:SeedSampleWhenEmpty"] = seed ? "true" : "false",
            ["Feeds:Enabled"] = "false", // no network in tests
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var error = new StringWriter();
        var io = new AppIo(new StringReader(""), new StringWriter(), error, IsInteractive: false, settings);
        var builder = PaperBotApp.CreateBuilder(io, noVerb: true);
        if (fakeAssistant)
        {
            builder.Services.AddSingleton<IPaperAssistant, FakePaperAssistant>();
        }

        return (builder.Build(), io, error);
    }

    private static JsonArray Option(string name, int type, JsonNode value, bool focused = false)
    {
        var option = new JsonObject { ["name"] = name, ["type"] = type, ["value"] = value };
        if (focused)
        {
            option["focused"] = true;
        }

        return new JsonArray(option);
    }

    [Fact]
    public async Task SlashCommands_OverTheGateway_AreDeferredAnsweredAndWithinLimits()
    {
        _discord.Gateway.HeartbeatIntervalMs = 500;
        var (host, io, _) = BuildHost();
        using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var run = BotMode.RunAsync(host, io, timeout.Token);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromMinutes(2));

            // /ask goes to the assistant port; the answer edits the deferred reply.
            var ask = await _discord.DispatchCommandAsync("ask", Option("question", 3, "How small can language models be? @everyone"));
            await FakeDiscordServer.WaitUntilAsync(() => !ask.Edits.IsEmpty, "/ask answered");
            Assert.Equal(5, ask.AcknowledgedWith);
            var answer = ask.Edits.Single();
            Assert.Contains("arxiv.org/abs/2305.07759", answer.ToJsonString());
            Assert.Equal("{\"parse\":[]}", answer["allowed_mentions"]!.ToJsonString());

            // /search runs the real hybrid search over the seeded sample library.
            var search = await _discord.DispatchCommandAsync("search", Option("query", 3, "small language models trained on short stories"));
            await FakeDiscordServer.WaitUntilAsync(() => !search.Edits.IsEmpty || !search.Followups.IsEmpty, "/search answered", TimeSpan.FromSeconds(60));
            Assert.Equal(5, search.AcknowledgedWith);
            Assert.Contains("TinyStories", search.Edits.Single()["embeds"]![0]!["fields"]![0]!["name"]!.GetValue<string>());

            // Autocomplete uses the real LibraryStore suggestions.
            var complete = await _discord.DispatchCommandAsync("summarize", Option("paper", 3, "TinySt", focused: true), type: 4);
            await FakeDiscordServer.WaitUntilAsync(() => complete.AcknowledgedWith is not null, "autocomplete answered");
            var choices = complete.Callbacks.Single()["data"]!["choices"]!.AsArray();
            Assert.InRange(choices.Count, 1, 25);
            Assert.Contains("TinyStories", choices[0]!["name"]!.GetValue<string>());

            await FakeDiscordServer.WaitUntilAsync(() => File.Exists(Path.Combine(_folder, "heartbeat")), "heartbeat file");
            Assert.Equal(0, await BotMode.CheckHealthAsync(host.Services, io));

            Assert.All(_discord.Interactions.SelectMany(i => i.Messages), m => Assert.Empty(MessageValidator.ValidateMessageLimits(m)));
            Assert.Empty(_discord.Violations);

            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task DisallowedIntents_StopTheHostWithAnErrorExitCode()
    {
        var (host, io, error) = BuildHost(seed: false);
        using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var run = BotMode.RunAsync(host, io, timeout.Token);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromSeconds(30));

            await _discord.Gateway.Live!.CloseAsync(4014);

            Assert.Equal(ExitCodes.Failed, await run.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("4014", error.ToString());
            Assert.Equal(1, _discord.Gateway.IdentifyCount);
        }
    }

    [Fact]
    public async Task MetricsListenUrl_ServesInteractionMetricsAndTheHealthChecks()
    {
        var (host, io, _) = BuildHost(seed: false, extra: new() { ["Metrics:ListenUrl"] = "http://127.0.0.1:0" });
        using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var run = BotMode.RunAsync(host, io, timeout.Token);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromSeconds(60));
            var ask = await _discord.DispatchCommandAsync("ask", Option("question", 3, "What is TinyStories?"));
            await FakeDiscordServer.WaitUntilAsync(() => !ask.Edits.IsEmpty, "/ask answered", TimeSpan.FromSeconds(60));
            await FakeDiscordServer.WaitUntilAsync(() => File.Exists(Path.Combine(_folder, "heartbeat")), "heartbeat file", TimeSpan.FromSeconds(90));

            var address = host.Services.GetRequiredService<PaperBot.Host.Operations.OperationsEndpoint>().BoundAddress!;
            using var http = new HttpClient { BaseAddress = address };
            // The count is recorded right after the final edit that the wait above saw.
            var metrics = "";
            await FakeDiscordServer.WaitUntilAsync(() =>
            {
                metrics = http.GetStringAsync(new Uri("metrics", UriKind.Relative)).GetAwaiter().GetResult();
                return metrics.Contains("paperbot_interactions_total{", StringComparison.Ordinal);
            }, "interaction counted in /metrics");
            Assert.Matches("""paperbot_interactions_total\{[^}]*command="ask",outcome="ok"\} [1-9]""", metrics);
            Assert.Contains("paperbot_interaction_ack_duration", metrics);

            using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
            var report = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
            Assert.Equal("Healthy", report["status"]!.GetValue<string>());
            Assert.Equal(["gateway", "library", "model"], report["checks"]!.AsObject().Select(c => c.Key).Order());
            Assert.Contains("extractive", report["checks"]!["model"]!["description"]!.GetValue<string>());

            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task MetricsListenUrl_WithAPath_IsAConfigurationError()
    {
        var error = new StringWriter();
        var io = new AppIo(new StringReader(""), new StringWriter(), error, IsInteractive: false,
            new Dictionary<string, string?> { ["Metrics:ListenUrl"] = "http://127.0.0.1:9464/metrics", ["Library:Path"] = Path.Combine(_folder, "l.db") });

        Assert.Equal(ExitCodes.Configuration, await PaperBotApp.RunAsync(["stats"], io, CancellationToken.None));
        Assert.Contains("Metrics:ListenUrl must be an http address without a path", error.ToString());
    }

    [Fact]
    public async Task HealthCheck_WithoutRecentHeartbeat_IsUnhealthy()
    {
        var (host, io, _) = BuildHost(seed: false);
        using (host)
        {
            await File.WriteAllTextAsync(Path.Combine(_folder, "heartbeat"), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(ExitCodes.Failed, await BotMode.CheckHealthAsync(host.Services, io));
        }
    }

    [Fact]
    public async Task RealAssistant_AnswersExtractivelyWithCitationLinksAndShowsLookupErrorsEphemerally()
    {
        var (host, io, _) = BuildHost(fakeAssistant: false);
        using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var run = BotMode.RunAsync(host, io, timeout.Token);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromMinutes(2));

            var ask = await _discord.DispatchCommandAsync("ask", Option("question", 3, "How small can language models be and still write coherent English stories?"));
            await FakeDiscordServer.WaitUntilAsync(() => !ask.Edits.IsEmpty || !ask.Followups.IsEmpty, "/ask answered", TimeSpan.FromSeconds(90));
            Assert.Equal(5, ask.AcknowledgedWith);
            var embed = ask.Edits.Single()["embeds"]![0]!;
            Assert.Contains("Mode: extractive", embed["footer"]!["text"]!.GetValue<string>());
            // The sample collection gives no URLs; citations link to an arXiv title search for the paper.
            var sources = embed["fields"]![0]!;
            Assert.Equal("Sources", sources["name"]!.GetValue<string>());
            Assert.StartsWith("[1] [TinyStories", sources["value"]!.GetValue<string>());
            Assert.Contains("(https://arxiv.org/search/?searchtype=title&query=TinyStories", sources["value"]!.GetValue<string>());

            var unknown = await _discord.DispatchCommandAsync("summarize", Option("paper", 3, "zzzz no such paper"));
            await FakeDiscordServer.WaitUntilAsync(() => !unknown.Followups.IsEmpty, "ephemeral lookup error", TimeSpan.FromSeconds(60));
            var error = unknown.Followups.Single();
            Assert.Equal(64, error["flags"]!.GetValue<int>());
            Assert.Contains("No paper matches 'zzzz no such paper'", error["content"]!.GetValue<string>());

            Assert.Empty(_discord.Violations);
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task RealAssistant_ThreadFollowUpAboutMoE_AfterDenseModels_CitesTheMixtureOfExpertsPaper()
    {
        var (host, io, _) = BuildHost(fakeAssistant: false);
        using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var run = BotMode.RunAsync(host, io, timeout.Token);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromMinutes(2));

            var ask = await _discord.DispatchCommandAsync("ask",
            [
                new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "How do the scaling laws of dense models relate model size to loss?" },
                new JsonObject { ["name"] = "thread", ["type"] = 5, ["value"] = true },
            ]);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.Threads.Count == 1 && _discord.ChannelMessages(_discord.Threads[0].Id).Count == 1, "thread with its intro", TimeSpan.FromSeconds(90));
            var thread = _discord.Threads[0].Id;
            await _discord.DispatchUserMessageAsync(thread, "And how does that compare to MoE?", mentionBot: true);
            await FakeDiscordServer.WaitUntilAsync(() => _discord.ChannelMessages(thread).Count >= 2, "answer in the thread", TimeSpan.FromSeconds(90));

            var answer = _discord.ChannelMessages(thread)[^1];
            Assert.Contains("A Survey on Mixture of Experts", answer.Body.ToJsonString(), StringComparison.Ordinal); // a cited source
            Assert.Contains("MoE", answer.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("doesn't cover this", answer.Text, StringComparison.Ordinal);
            Assert.Empty(_discord.Violations);
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
