using System.Text.Json.Nodes;
using PaperBot.Core.Assistant;
using PaperBot.Discord.FairUse;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.FairUse;

/// <summary>Per-user and per-server request limits and the per-server daily token budget, end to end.</summary>
public sealed class FairUseTests : IAsyncLifetime
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

    private async Task<FakeInteraction> AskAndWaitAsync(string question)
    {
        var interaction = await _discord.DispatchCommandAsync("ask", Question(question));
        await _bot!.WaitAsync(() => !interaction.Edits.IsEmpty || (interaction.Original is not null && interaction.AcknowledgedWith == 4), "answer or refusal");
        return interaction;
    }

    [Fact]
    public async Task UserOverTheLimit_GetsEphemeralTryAgainWithoutCallingTheModel()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s =>
        {
            s["Limits:PerUser"] = "2";
            s["Limits:Window"] = "00:10:00";
        });

        await AskAndWaitAsync("one?");
        await AskAndWaitAsync("two?");
        var third = await AskAndWaitAsync("three?");

        Assert.Equal(4, third.AcknowledgedWith);
        Assert.Matches(@"Try again in \d+ s\.", third.Original!["content"]!.GetValue<string>());
        Assert.Equal(64, third.Original!["flags"]!.GetValue<int>());
        Assert.Equal(2, _bot.Assistant.Requests.Count);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task SpentDailyBudget_SwitchesToExtractiveWithANoteAcrossProcesses()
    {
        void Limits(Dictionary<string, string?> s) => s["Limits:DailyTokensPerServer"] = "100";
        _bot = await BotHarness.StartReadyAsync(_discord, Limits);
        _bot.Assistant.TokensPerCall = 80;

        await AskAndWaitAsync("first?");
        await AskAndWaitAsync("second?");
        var first = _bot;
        var firstRequests = first.Assistant.Requests.ToList();
        await first.DisposeAsync();
        _bot = null;
        await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is null, "first process gone");
        _discord.Gateway.InvalidateSessions(); // the first process's session is over; dispatch on the new one

        // Another process on the same library sees the spent budget.
        _bot = await BotHarness.StartReadyAsync(_discord, Limits, libraryPath: first.LibraryPath);
        await _bot.WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "second process READY");
        _bot.Assistant.TokensPerCall = 80;
        var third = await AskAndWaitAsync("third?");
        var help = await _discord.DispatchCommandAsync("help");
        await _bot.WaitAsync(() => help.Original is not null, "help");

        Assert.False(firstRequests[1].ExtractiveOnly);
        Assert.True(_bot.Assistant.Requests.Single().ExtractiveOnly);
        Assert.Contains(FairUseGate.BudgetNote, third.Edits.Last()["embeds"]![0]!["description"]!.GetValue<string>());
        Assert.Contains("Model budget left today: 0 of 100 tokens", help.Original!.ToJsonString());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task SpentDailyBudget_SummarizeAndCompare_AnswerExtractivelyWithTheNote()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s => s["Limits:DailyTokensPerServer"] = "100");
        _bot.Assistant.TokensPerCall = 150;
        _bot.Assistant.Summarize = (paper, level, _) => Task.FromResult(
            new SummaryResult(paper, "TinyStories", null, level, AnswerMode.Extractive, "Quoted summary.", FromCache: false));
        await AskAndWaitAsync("spend it all?");

        var summarize = await _discord.DispatchCommandAsync("summarize", [new JsonObject { ["name"] = "paper", ["type"] = 3, ["value"] = "2305.07759" }]);
        var compare = await _discord.DispatchCommandAsync("compare",
        [
            new JsonObject { ["name"] = "paper1", ["type"] = 3, ["value"] = "2305.07759" },
            new JsonObject { ["name"] = "paper2", ["type"] = 3, ["value"] = "2101.03961" },
        ]);
        await _bot.WaitAsync(() => !summarize.Edits.IsEmpty && !compare.Edits.IsEmpty, "summary and comparison");

        Assert.Contains("summarize:2305.07759:Tldr:extractive", _bot.Assistant.Calls);
        Assert.Contains("compare:2305.07759,2101.03961:extractive", _bot.Assistant.Calls);
        Assert.EndsWith($"*{FairUseGate.BudgetNote}*", summarize.Edits.Last()["embeds"]![0]!["description"]!.GetValue<string>());
        Assert.EndsWith($"*{FairUseGate.BudgetNote}*", compare.Edits.Last()["embeds"]![0]!["description"]!.GetValue<string>());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task BudgetLeft_Summarize_UsesTheModelWithoutTheNote()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s => s["Limits:DailyTokensPerServer"] = "1000");

        var summarize = await _discord.DispatchCommandAsync("summarize", [new JsonObject { ["name"] = "paper", ["type"] = 3, ["value"] = "2305.07759" }]);
        await _bot.WaitAsync(() => !summarize.Edits.IsEmpty, "summary");

        Assert.Contains("summarize:2305.07759:Tldr", _bot.Assistant.Calls);
        Assert.DoesNotContain(FairUseGate.BudgetNote, summarize.Edits.Last()["embeds"]![0]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Help_ShowsTheBudgetLeftToday()
    {
        _bot = await BotHarness.StartReadyAsync(_discord, s => s["Limits:DailyTokensPerServer"] = "1000");
        _bot.Assistant.TokensPerCall = 300;
        await AskAndWaitAsync("spend some?");

        var help = await _discord.DispatchCommandAsync("help");
        await _bot.WaitAsync(() => help.Original is not null, "help");

        Assert.Contains("Model budget left today: 700 of 1,000 tokens", help.Original!.ToJsonString());
    }
}
