using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using PaperBot.Core.Assistant;
using PaperBot.Discord.Conversations;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.Conversations;

/// <summary>Answers with buttons, conversations in threads and streamed answers, end to end against the fake Discord.</summary>
public sealed class ConversationTests : IAsyncLifetime
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

    private static readonly Citation[] TwoSources =
    [
        new(1, "2305.07759", "TinyStories: How Small Can Language Models Be", "https://arxiv.org/abs/2305.07759") { Excerpt = "Small models trained on simple stories write fluent English." },
        new(2, "2101.03961", "Switch Transformers", "https://arxiv.org/abs/2101.03961") { Excerpt = "A sparse mixture of experts routes each token to one expert." },
    ];

    private async Task<BotHarness> StartAsync(Action<Dictionary<string, string?>>? configure = null, string? libraryPath = null)
    {
        _bot = await BotHarness.StartReadyAsync(_discord, configure, libraryPath: libraryPath);
        _bot.Assistant.Ask = (request, _) => Task.FromResult(new AssistantAnswer($"About '{request.Question}': see [1] and [2].", AnswerMode.Generated, TwoSources, []));
        return _bot;
    }

    private static JsonArray Ask(string question, bool? thread = null)
    {
        var options = new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = question });
        if (thread is { } value)
        {
            options.Add(new JsonObject { ["name"] = "thread", ["type"] = 5, ["value"] = value });
        }

        return options;
    }

    private static List<string> CustomIds(JsonObject message) =>
        (message["components"] as JsonArray ?? []).SelectMany(row => row!["components"]!.AsArray()).Select(c => c!["custom_id"]?.GetValue<string>() ?? "").ToList();

    private async Task<(FakeInteraction Interaction, JsonObject Final)> AskAsync(string question, bool? thread = null)
    {
        var interaction = await _discord.DispatchCommandAsync("ask", Ask(question, thread));
        await _bot!.WaitAsync(() => interaction.Edits.Any(e => (e["components"] as JsonArray)?.Count > 0), "answer with buttons");
        return (interaction, interaction.Edits.Last());
    }

    [Fact]
    public async Task Ask_AnswerCarriesSourcesCompareFollowUpThreadAndSummarizeComponents()
    {
        await StartAsync();

        var (_, final) = await AskAsync("What is TinyStories?");

        var ids = CustomIds(final);
        Assert.Contains(ids, id => id.StartsWith("answer:src:", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("answer:cmp:", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("answer:fu:", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("answer:thr:", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("answer:sum:", StringComparison.Ordinal));
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task Buttons_AfterHostRestart_StillWork()
    {
        var first = await StartAsync();
        var (_, final) = await AskAsync("What is TinyStories?");
        var ids = CustomIds(final);
        await first.DisposeAsync();
        _bot = null;
        await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is null, "first bot gone");
        _discord.Gateway.InvalidateSessions(); // the first process's session is over; dispatch on the new one
        await StartAsync(libraryPath: first.LibraryPath);
        await _bot!.WaitAsync(() => _discord.Gateway.IdentifyCount == 2 && _discord.Gateway.Live is not null, "second bot READY");

        var sources = await _discord.DispatchComponentAsync(ids.Single(i => i.StartsWith("answer:src:", StringComparison.Ordinal)), "1095661440997807000");
        var summarize = await _discord.DispatchComponentAsync(ids.Single(i => i.StartsWith("answer:sum:", StringComparison.Ordinal)), "1095661440997807000", values: ["2101.03961"]);
        var compare = await _discord.DispatchComponentAsync(ids.Single(i => i.StartsWith("answer:cmp:", StringComparison.Ordinal)), "1095661440997807000");
        var followUp = await _discord.DispatchComponentAsync(ids.Single(i => i.StartsWith("answer:fu:", StringComparison.Ordinal)), "1095661440997807000");
        await _bot!.WaitAsync(() => sources.Original is not null && !summarize.Edits.IsEmpty && !compare.Edits.IsEmpty && followUp.AcknowledgedWith is not null, "all four buttons answered");

        var sourcesText = sources.Original!.ToJsonString();
        Assert.Equal(64, sources.Original!["flags"]!.GetValue<int>());
        Assert.Contains("A sparse mixture of experts routes each token to one expert.", sourcesText);
        Assert.Contains("https://arxiv.org/abs/2101.03961", sourcesText);
        Assert.Contains("summarize:2101.03961:Tldr", _bot.Assistant.Calls);
        Assert.Contains("compare:2305.07759,2101.03961", _bot.Assistant.Calls);
        Assert.Equal(9, followUp.AcknowledgedWith);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task ButtonOlderThanItsData_SaysSoEphemerally()
    {
        await StartAsync();

        var stale = await _discord.DispatchComponentAsync("answer:src:987654", "1095661440997807000");
        await _bot!.WaitAsync(() => stale.Original is not null, "ephemeral answer");

        Assert.Contains("older than PaperBot keeps answers", stale.Original!["content"]!.GetValue<string>());
        Assert.Equal(64, stale.Original!["flags"]!.GetValue<int>());
    }

    [Fact]
    public async Task SummarizeSelect_WithAPaperTheAnswerDoesNotCite_IsRefused()
    {
        await StartAsync();
        var (_, final) = await AskAsync("What is TinyStories?");

        var tampered = await _discord.DispatchComponentAsync(CustomIds(final).Single(i => i.StartsWith("answer:sum:", StringComparison.Ordinal)), "1095661440997807000", values: ["1706.03762"]);
        await _bot!.WaitAsync(() => tampered.Original is not null, "refusal");

        Assert.Equal("Pick one of the papers this answer cites.", tampered.Original!["content"]!.GetValue<string>());
        Assert.DoesNotContain(_bot.Assistant.Calls, c => c.StartsWith("summarize:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AskWithThread_OpensAThreadFromTheAnswerNamedWithoutMentions()
    {
        await StartAsync();

        await AskAsync("<@53908232506183680> @everyone what is   TinyStories?", thread: true);
        await _bot!.WaitAsync(() => _discord.Threads.Count == 1 && _discord.ChannelMessages(_discord.Threads[0].Id).Count == 1, "thread with its intro");

        var thread = _discord.Threads.Single();
        Assert.Equal(FakeDiscordServer.ChannelId, thread.ParentId);
        Assert.Equal(1440, thread.AutoArchiveDuration);
        Assert.DoesNotContain("<@", thread.Name, StringComparison.Ordinal);
        Assert.DoesNotContain("@everyone", thread.Name, StringComparison.Ordinal);
        Assert.Contains("what is TinyStories?", thread.Name, StringComparison.Ordinal);
        Assert.Contains("mentioning PaperBot", _discord.ChannelMessages(thread.Id)[0].Text);
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task ThreadConversation_ByMentionThenModal_CarriesItsHistory()
    {
        await StartAsync();
        await AskAsync("How do dense language models scale?", thread: true);
        // The intro message is posted once the conversation is stored.
        await _bot!.WaitAsync(() => _discord.Threads.Count == 1 && _discord.ChannelMessages(_discord.Threads[0].Id).Count == 1, "thread with its intro");
        var thread = _discord.Threads[0].Id;

        await _discord.DispatchUserMessageAsync(thread, "And how does that compare to MoE?", mentionBot: true);
        await _bot.WaitAsync(() => _discord.ChannelMessages(thread).Any(m => m.Text.Contains("compare to MoE", StringComparison.Ordinal)), "answer in the thread");
        var secondAnswer = _discord.ChannelMessages(thread).Last(m => m.Text.Contains("compare to MoE", StringComparison.Ordinal));
        var followUpModal = CustomIds(secondAnswer.Body).Single(i => i.StartsWith("answer:fu:", StringComparison.Ordinal)).Replace(":fu:", ":fum:", StringComparison.Ordinal);
        var modal = await _discord.DispatchModalSubmitAsync(followUpModal, new Dictionary<string, string> { ["question"] = "Which one needs less compute?" }, channelId: thread);
        await _bot.WaitAsync(() => modal.Edits.Any(e => (e["components"] as JsonArray)?.Count > 0), "third answer");

        var requests = _bot.Assistant.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Empty(requests[0].History!);
        Assert.Equal(["How do dense language models scale?"], requests[1].History!.Select(t => t.Question));
        Assert.Equal("And how does that compare to MoE?", requests[1].Question);
        Assert.Equal(["How do dense language models scale?", "And how does that compare to MoE?"], requests[2].History!.Select(t => t.Question));
        Assert.DoesNotContain(CustomIds(secondAnswer.Body), id => id.StartsWith("answer:thr:", StringComparison.Ordinal));
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task ThreadMessage_WithMessageContentIntent_ContinuesWithoutMention()
    {
        _discord.Gateway.AllowedPrivilegedIntents = 1 << 15;
        await StartAsync(s => s["Discord:MessageContentIntent"] = "true");
        await AskAsync("How do dense language models scale?", thread: true);
        // The intro message is posted once the conversation is stored.
        await _bot!.WaitAsync(() => _discord.Threads.Count == 1 && _discord.ChannelMessages(_discord.Threads[0].Id).Count == 1, "thread with its intro");
        var thread = _discord.Threads[0].Id;

        await _discord.DispatchUserMessageAsync(thread, "and how does that compare to MoE?", mentionBot: false);
        await _bot.WaitAsync(() => _bot.Assistant.Requests.Count == 2, "second question asked");

        Assert.Equal("and how does that compare to MoE?", _bot.Assistant.Requests[1].Question);
        Assert.Single(_bot.Assistant.Requests[1].History!);
    }

    [Fact]
    public async Task ThreadMessage_WithoutContentIntentOrMention_ExplainsOnceHowToContinue()
    {
        await StartAsync();
        await AskAsync("How do dense language models scale?", thread: true);
        await _bot!.WaitAsync(() => _discord.Threads.Count == 1 && _discord.ChannelMessages(_discord.Threads[0].Id).Count == 1, "thread with intro");
        var thread = _discord.Threads[0].Id;

        await _discord.DispatchUserMessageAsync(thread, "and MoE?", mentionBot: false);
        await _discord.DispatchUserMessageAsync(thread, "hello?", mentionBot: false);
        await _bot.WaitAsync(() => _discord.ChannelMessages(thread).Count == 2, "one hint");
        await _discord.DispatchCommandAsync("help");
        await Task.Delay(300);

        Assert.Equal(2, _discord.ChannelMessages(thread).Count);
        Assert.Contains("mentioning PaperBot", _discord.ChannelMessages(thread)[1].Text);
        Assert.Single(_bot.Assistant.Requests);
    }

    [Fact]
    public async Task StreamedAnswer_EditsAtMostOncePerIntervalAndEndsWithSourcesAndButtons()
    {
        await StartAsync();
        _bot!.Assistant.Stream = (request, ct) => Chunks(request, 8, TimeSpan.FromMilliseconds(400), failAfter: null, ct);

        var (interaction, final) = await AskAsync("Stream please?");

        var edits = _discord.Requests.Where(r => r.Method == "PATCH" && r.Template.EndsWith("@original", StringComparison.Ordinal) && r.Path.Contains(interaction.Token, StringComparison.Ordinal)).ToList();
        Assert.True(edits.Count >= 2, $"progress edits before the final one ({edits.Count})");
        Assert.All(edits.Zip(edits.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= TimeSpan.FromSeconds(1), $"edits {(pair.Second.At - pair.First.At).TotalMilliseconds} ms apart"));
        Assert.Contains("chunk 7", final.ToJsonString());
        Assert.DoesNotContain("Writing", final.ToJsonString());
        Assert.Contains("Sources", final.ToJsonString());
        Assert.Empty(_discord.Violations);
    }

    [Fact]
    public async Task StreamFailingMidway_KeepsTheTextShownAndAddsANote()
    {
        await StartAsync();
        _bot!.Assistant.Stream = (request, ct) => Chunks(request, 6, TimeSpan.FromMilliseconds(400), failAfter: 4, ct);

        var (interaction, final) = await AskAsync("Stream and fail?");

        var text = final["embeds"]![0]!["description"]!.GetValue<string>();
        Assert.Contains("chunk 3", text);
        Assert.Contains(AnswerFlow.StoppedNote, text);
        Assert.DoesNotContain("Writing", final.ToJsonString());
        Assert.False(interaction.OriginalDeleted);
        Assert.Empty(_discord.Violations);
    }

    private static async IAsyncEnumerable<AnswerUpdate> Chunks(AskRequest request, int count, TimeSpan delay, int? failAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = "";
        for (var i = 0; i < count; i++)
        {
            if (i == failAfter)
            {
                throw new HttpRequestException("stream reset");
            }

            await Task.Delay(delay, cancellationToken);
            var chunk = $"chunk {i} about '{request.Question}' [1]. ";
            text += chunk;
            yield return new AnswerUpdate(chunk);
        }

        yield return new AnswerUpdate("", new AssistantAnswer(text, AnswerMode.Generated, TwoSources, []));
    }
}
