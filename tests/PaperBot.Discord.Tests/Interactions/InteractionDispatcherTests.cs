using System.Text.Json.Nodes;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Discord.Tests.Interactions;

/// <summary>Slash commands arriving over the real gateway client, answered through the real REST client, judged by the fake Discord.</summary>
public sealed class InteractionDispatcherTests : IAsyncLifetime
{
    private FakeDiscordServer _discord = null!;
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _discord = await FakeDiscordServer.StartAsync();
        _bot = await BotHarness.StartReadyAsync(_discord);
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _discord.DisposeAsync();
    }

    private static JsonArray Options(params (string Name, int Type, JsonNode Value)[] options) =>
        new(options.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["type"] = o.Type, ["value"] = o.Value }).ToArray());

    private Task WaitAsync(Func<bool> condition, string what) => _bot.WaitAsync(condition, what);

    [Fact]
    public async Task Ask_IsDeferredThenOriginalEditedWithCitationLinkAndMode()
    {
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "What is TinyStories?")));

        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");
        Assert.Equal(5, interaction.AcknowledgedWith);
        var embed = interaction.Edits.Single()["embeds"]![0]!;
        Assert.Contains("Answer to 'What is TinyStories?'", embed["description"]!.GetValue<string>());
        Assert.Contains("[TinyStories: How Small Can Language Models Be](https://arxiv.org/abs/2305.07759)", embed["fields"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("Mode: generated", embed["footer"]!["text"]!.GetValue<string>());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task Ask_Answered_CountsOkAndRecordsAckAndFinalLatencyByCommand()
    {
        using var metrics = new MetricCapture("paperbot.interactions", "paperbot.interaction.ack.duration", "paperbot.interaction.duration");
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "What is TinyStories?")));

        await WaitAsync(() => metrics.Of("paperbot.interactions", ("command", "ask"), ("outcome", "ok")).Count > 0, "the interaction counted");
        Assert.NotEmpty(interaction.Edits);
        Assert.Contains(metrics.Of("paperbot.interaction.ack.duration", ("command", "ask")), m => m.Value >= 0);
        Assert.Contains(metrics.Of("paperbot.interaction.duration", ("command", "ask")), m => m.Value >= 0);
    }

    [Fact]
    public async Task UnexpectedError_CountsAnErrorOutcome()
    {
        using var metrics = new MetricCapture("paperbot.interactions");
        _bot.Assistant.Ask = (_, _) => throw new InvalidOperationException("ask broke");
        await _discord.DispatchCommandAsync("ask", Options(("question", 3, "boom")));

        await WaitAsync(() => metrics.Of("paperbot.interactions", ("command", "ask"), ("outcome", "error")).Count > 0, "the failed interaction counted");
    }

    [Fact]
    public async Task DuplicateInteractionId_IsAnsweredOnce()
    {
        var (json, interaction) = _discord.NewInteraction("ask", Options(("question", 3, "Twice?")));
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json);
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json);

        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");
        await Task.Delay(300);
        Assert.Single(interaction.Callbacks);
        Assert.Single(_bot.Assistant.Calls);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task UserFacingError_ReplacesThinkingMessageWithEphemeralError()
    {
        _bot.Assistant.Summarize = (_, _, _) => throw new UserFacingException("No paper matches 'xyz'. Try /search.");
        var interaction = await _discord.DispatchCommandAsync("summarize", Options(("paper", 3, "xyz")));

        await WaitAsync(() => !interaction.Followups.IsEmpty, "ephemeral followup");
        var followup = interaction.Followups.Single();
        Assert.Equal("No paper matches 'xyz'. Try /search.", followup["content"]!.GetValue<string>());
        Assert.Equal(64, followup["flags"]!.GetValue<int>());
        Assert.True(interaction.OriginalDeleted);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task UnexpectedError_ShowsGenericMessageAndLogsDetails()
    {
        _bot.Assistant.Ask = (_, _) => throw new InvalidOperationException("secret stack detail");
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "boom")));

        await WaitAsync(() => !interaction.Followups.IsEmpty, "ephemeral followup");
        var text = interaction.Followups.Single()["content"]!.GetValue<string>();
        Assert.DoesNotContain("secret", text);
        Assert.Contains("went wrong", text);
        Assert.Contains(_bot.Logs.Lines, l => l.Contains("secret stack detail"));
    }

    [Fact]
    public async Task SlowAnswer_IsDeferredInsideTheWindowAndEditedLater()
    {
        _bot.Assistant.Ask = async (request, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3.5), ct);
            return new AssistantAnswer("Late but fine.", AnswerMode.Extractive, [], []);
        };
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "slow?")));

        await WaitAsync(() => interaction.AcknowledgedWith == 5, "deferral");
        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");
        Assert.Contains("extractive", interaction.Edits.Single()["embeds"]![0]!["footer"]!["text"]!.GetValue<string>());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task LongAnswer_IsSplitIntoValidMessages()
    {
        var paragraph = string.Concat(Enumerable.Repeat("Sentence about small language models and @everyone. ", 20));
        var text = string.Join("\n\n", Enumerable.Repeat(paragraph, 12)); // ~12 600 characters
        var citations = Enumerable.Range(1, 40).Select(n => new Citation(n, $"2305.{n:00000}", $"Paper number {n} with a long enough title", $"https://arxiv.org/abs/2305.{n:00000}")).ToList();
        _bot.Assistant.Ask = (_, _) => Task.FromResult(new AssistantAnswer(text, AnswerMode.Generated, citations, []));
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "long?")));

        var expected = text.Replace("\n", "").Replace(" ", "");
        string Shown() => string.Concat(interaction.Edits.Concat(interaction.Followups).SelectMany(m => m["embeds"]!.AsArray())
            .Select(e => e!["description"]?.GetValue<string>() ?? "")).Replace("\n", "").Replace(" ", "");

        // Every part arrives (however slowly the machine runs), and together they are the whole text, in order.
        await WaitAsync(() => !interaction.Edits.IsEmpty && interaction.Followups.Count >= 2 && Shown().Length >= expected.Length, "edit and followups");
        Assert.Equal(expected, Shown());
        Assert.All(interaction.Edits.Concat(interaction.Followups), m => Assert.Empty(MessageValidator.ValidateMessageLimits(m)));
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task Help_IsAnsweredAtOnceAndEphemerally()
    {
        var interaction = await _discord.DispatchCommandAsync("help");

        await WaitAsync(() => interaction.AcknowledgedWith is not null, "reply");
        var callback = interaction.Callbacks.Single();
        Assert.Equal(4, callback["type"]!.GetValue<int>());
        Assert.Equal(64, callback["data"]!["flags"]!.GetValue<int>());
        Assert.Contains("/compare", callback.ToJsonString());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task OutOfRangeOption_GetsEphemeralErrorWithoutCallingCore()
    {
        var interaction = await _discord.DispatchCommandAsync("search", Options(("query", 3, "tiny"), ("top", 4, 50)));

        await WaitAsync(() => interaction.AcknowledgedWith is not null, "reply");
        var callback = interaction.Callbacks.Single();
        Assert.Equal(4, callback["type"]!.GetValue<int>());
        Assert.Equal(64, callback["data"]!["flags"]!.GetValue<int>());
        Assert.Contains("`top` must be a whole number from 1 to 10", callback["data"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_ListsHitsWithLinks()
    {
        _bot.Directory.Papers.Add(FakePaperDirectory.NewPaper("2305.07759", "TinyStories: How Small Can Language Models Be"));
        _bot.Directory.Papers.Add(FakePaperDirectory.NewPaper("2401.00001", "Unrelated robotics"));
        var interaction = await _discord.DispatchCommandAsync("search", Options(("query", 3, "tinystories"), ("top", 4, 3)));

        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");
        var embed = interaction.Edits.Single()["embeds"]![0]!;
        Assert.Single(embed["fields"]!.AsArray());
        Assert.Contains("https://arxiv.org/abs/2305.07759", embed["fields"]![0]!["value"]!.GetValue<string>());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task Compare_RendersOneFieldPerAspectWithEveryPaper()
    {
        var interaction = await _discord.DispatchCommandAsync("compare", Options(("paper1", 3, "2305.07759"), ("paper2", 3, "2401.00001"), ("paper3", 3, "2402.00002")));

        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");
        var embed = interaction.Edits.Single()["embeds"]![0]!;
        var fields = embed["fields"]!.AsArray();
        Assert.Equal(["Problem", "Method", "Data", "Results", "Limitations"], fields.Select(f => f!["name"]!.GetValue<string>()));
        Assert.Contains("**[3]** Method of 2402.00002", fields[1]!["value"]!.GetValue<string>());
        Assert.Contains("compare:2305.07759,2401.00001,2402.00002", _bot.Assistant.Calls);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task Autocomplete_AnswersWithAtMost25PaperChoices()
    {
        for (var i = 0; i < 40; i++)
        {
            _bot.Directory.Papers.Add(FakePaperDirectory.NewPaper($"2305.{i:00000}", $"Language model study {i} " + new string('x', 120)));
        }

        var options = new JsonArray(new JsonObject { ["name"] = "paper", ["type"] = 3, ["value"] = "language", ["focused"] = true });
        var interaction = await _discord.DispatchCommandAsync("summarize", options, type: 4);

        await WaitAsync(() => interaction.AcknowledgedWith is not null, "autocomplete result");
        var choices = interaction.Callbacks.Single()["data"]!["choices"]!.AsArray();
        Assert.Equal(25, choices.Count);
        Assert.All(choices, c => Assert.InRange(c!["name"]!.GetValue<string>().Length, 1, 100));
        Assert.Equal("2305.00000", choices[0]!["value"]!.GetValue<string>());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task SlowAutocomplete_StillAnswersInsideTheWindow()
    {
        _bot.Directory.Delay = TimeSpan.FromSeconds(10);
        var options = new JsonArray(new JsonObject { ["name"] = "paper1", ["type"] = 3, ["value"] = "tin", ["focused"] = true });
        var interaction = await _discord.DispatchCommandAsync("compare", options, type: 4);

        await WaitAsync(() => interaction.AcknowledgedWith is not null, "autocomplete result");
        Assert.Empty(interaction.Callbacks.Single()["data"]!["choices"]!.AsArray());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task InteractionTokens_NeverAppearInTheLog()
    {
        var interaction = await _discord.DispatchCommandAsync("ask", Options(("question", 3, "tokens?")));
        await WaitAsync(() => !interaction.Edits.IsEmpty, "edit of @original");

        Assert.DoesNotContain(_bot.Logs.Lines, l => l.Contains(interaction.Token) || l.Contains(_discord.Token));
    }
}
