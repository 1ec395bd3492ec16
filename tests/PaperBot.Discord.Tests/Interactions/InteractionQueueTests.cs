using System.Text.Json.Nodes;
using PaperBot.Core.Assistant;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Discord.Tests.Interactions;

/// <summary>The bounded interaction queue and malformed events, over the real gateway client against the fake Discord.</summary>
public sealed class InteractionQueueTests : IAsyncLifetime
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

    private static JsonArray Question(string text) => [new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = text }];

    /// <summary>Makes /ask wait on <paramref name="gate"/> so the consumers stay busy.</summary>
    private static void Block(BotHarness bot, TaskCompletionSource gate)
    {
        var answer = bot.Assistant.Ask;
        bot.Assistant.Ask = async (request, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return await answer(request, ct);
        };
    }

    [Fact]
    public async Task Start_LoadsTheSearchIndexBeforeTakingInteractions()
    {
        _bot = await BotHarness.StartReadyAsync(_discord);

        Assert.Equal(1, _bot.Directory.WarmUps);
    }

    [Fact]
    public async Task MalformedInteraction_IsAnsweredEphemerallyAndKeepsTheConnection()
    {
        _bot = await BotHarness.StartReadyAsync(_discord);
        var (json, malformed) = _discord.NewInteraction("help");
        json["type"] = "2";
        json["member"] = "not a member object";

        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json);
        await _bot.WaitAsync(() => malformed.AcknowledgedWith is not null, "ephemeral answer to the malformed interaction");
        var help = await _discord.DispatchCommandAsync("help");
        await _bot.WaitAsync(() => help.AcknowledgedWith is not null, "the next command answered");

        Assert.Equal(InteractionQueue.MalformedMessage, malformed.Original!["content"]!.GetValue<string>());
        Assert.Equal(64, malformed.Original!["flags"]!.GetValue<int>());
        Assert.Single(_discord.Gateway.Connections);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task MalformedOptionShape_IsAnsweredAndKeepsTheConnection()
    {
        _bot = await BotHarness.StartReadyAsync(_discord);
        var options = new JsonArray(new JsonObject { ["name"] = "question", ["type"] = "three", ["value"] = new JsonObject { ["nested"] = 1 } }, "not an option");

        var odd = await _discord.DispatchCommandAsync("ask", options);
        await _bot.WaitAsync(() => odd.AcknowledgedWith is not null, "answer to the odd options");
        var help = await _discord.DispatchCommandAsync("help");
        await _bot.WaitAsync(() => help.AcknowledgedWith is not null, "the next command answered");

        Assert.Single(_discord.Gateway.Connections);
        Assert.Empty(_bot.Assistant.Calls);
    }

    [Fact]
    public async Task FullQueue_AnswersBusyInsteadOfGrowing()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s =>
        {
            s["Discord:InteractionConcurrency"] = "1";
            s["Discord:InteractionQueueCapacity"] = "1";
        });
        using var metrics = new MetricCapture("paperbot.interactions");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Block(_bot, gate);

        var running = await _discord.DispatchCommandAsync("ask", Question("first"));
        await _bot.WaitAsync(() => _bot.Assistant.Calls.Count == 1, "first question running");
        var waiting = await _discord.DispatchCommandAsync("ask", Question("second"));
        var refused = await _discord.DispatchCommandAsync("ask", Question("third"));
        await _bot.WaitAsync(() => refused.AcknowledgedWith is not null, "busy answer");
        gate.SetResult();
        await _bot.WaitAsync(() => !running.Edits.IsEmpty && !waiting.Edits.IsEmpty, "queued questions answered");

        Assert.Equal(4, refused.AcknowledgedWith);
        Assert.Equal(InteractionQueue.BusyMessage, refused.Original!["content"]!.GetValue<string>());
        Assert.Equal(64, refused.Original!["flags"]!.GetValue<int>());
        Assert.DoesNotContain("ask:third", _bot.Assistant.Calls);
        Assert.NotEmpty(metrics.Of("paperbot.interactions", ("command", "ask"), ("outcome", "busy")));
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task WaitPastDiscordsWindow_DropsTheInteractionAndCountsItExpired()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s => s["Discord:InteractionConcurrency"] = "1");
        using var metrics = new MetricCapture("paperbot.interactions");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Block(_bot, gate);

        await _discord.DispatchCommandAsync("ask", Question("first"));
        await _bot.WaitAsync(() => _bot.Assistant.Calls.Count == 1, "first question running");
        await _discord.DispatchCommandAsync("help");
        await Task.Delay(TimeSpan.FromSeconds(3.5)); // the one consumer stays busy past the 3-second window
        gate.SetResult();

        await _bot.WaitAsync(() => metrics.Of("paperbot.interactions", ("command", "help"), ("outcome", "expired")).Count > 0, "the expired interaction counted");
        Assert.Contains(_bot.Logs.Lines, l => l.Contains("past Discord's window", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shutdown_DrainsQueuedInteractions()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s => s["Discord:InteractionConcurrency"] = "1");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Block(_bot, gate);
        var running = await _discord.DispatchCommandAsync("ask", Question("first"));
        await _bot.WaitAsync(() => _bot.Assistant.Calls.Count == 1, "first question running");
        var queued = await _discord.DispatchCommandAsync("ask", Question("second"));
        await _bot.WaitAsync(() => _bot.Get<InteractionQueue>().Waiting == 1, "second question queued");

        var stopping = _bot.Host.StopAsync();
        gate.SetResult();
        await stopping;

        Assert.NotEmpty(running.Edits);
        Assert.NotEmpty(queued.Edits);
        Assert.Contains("ask:second", _bot.Assistant.Calls);
    }
}
