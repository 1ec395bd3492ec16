using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Tests.Support;
using PaperBot.Core.Usage;

namespace PaperBot.Core.Tests.Conversations;

/// <summary>The SQLite conversation, answer and usage stores on a real library file.</summary>
public sealed class ConversationStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TestLibrary _library = new();

    public void Dispose() => _library.Dispose();

    [Fact]
    public async Task RecentTurns_AfterSeveralTurns_AreTheLastOnesOldestFirst()
    {
        var store = new SqliteConversationStore(_library.Store);
        await store.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));
        await store.AddTurnAsync("t1", new ConversationTurn("q2", "a2"), Start.AddMinutes(1));
        await store.AddTurnAsync("t1", new ConversationTurn("q3", "a3"), Start.AddMinutes(2));

        var turns = await store.RecentTurnsAsync("t1", 2);

        Assert.Equal(["q2", "q3"], turns.Select(t => t.Question));
        Assert.Null(await store.GetAsync("other"));
    }

    [Fact]
    public async Task Start_ForAThreadThatHasAConversation_KeepsTheFirst()
    {
        var store = new SqliteConversationStore(_library.Store);
        await store.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));
        await store.StartAsync(new Conversation("t1", "g", "c", "u2", Start, Start, false), new ConversationTurn("other", "x"));

        Assert.Equal(["q1"], (await store.RecentTurnsAsync("t1", 10)).Select(t => t.Question));
        Assert.Equal("u", (await store.GetAsync("t1"))!.StartedBy);
    }

    [Fact]
    public async Task TryMarkHintSent_IsTrueOnlyOnce()
    {
        var store = new SqliteConversationStore(_library.Store);
        await store.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));

        Assert.True(await store.TryMarkHintSentAsync("t1"));
        Assert.False(await store.TryMarkHintSentAsync("t1"));
    }

    [Fact]
    public async Task Prune_RemovesOldTurnsAndIdleConversations()
    {
        var store = new SqliteConversationStore(_library.Store);
        await store.StartAsync(new Conversation("old", "g", "c", "u", Start, Start, false), new ConversationTurn("q", "a"));
        await store.StartAsync(new Conversation("busy", "g", "c", "u", Start, Start, false), new ConversationTurn("old q", "a"));
        await store.AddTurnAsync("busy", new ConversationTurn("new q", "a"), Start.AddDays(40));

        await store.PruneAsync(Start.AddDays(30));

        Assert.Null(await store.GetAsync("old"));
        Assert.Equal(["new q"], (await store.RecentTurnsAsync("busy", 10)).Select(t => t.Question));
    }

    [Fact]
    public async Task Answers_RoundTripCitationsWithExcerptsAndPrune()
    {
        var store = new SqliteAnswerStore(_library.Store);
        var citations = new[] { new Citation(1, "2305.07759", "TinyStories", "https://arxiv.org/abs/2305.07759") { Excerpt = "Small models write stories." } };
        var id = await store.SaveAsync(new StoredAnswer(0, "g", "c", "u", "What?", "Text [1].", AnswerMode.Generated, citations, Start));

        var loaded = await store.GetAsync(id);
        await store.PruneAsync(Start.AddDays(1));

        Assert.Equal("Small models write stories.", loaded!.Citations.Single().Excerpt);
        Assert.Equal(AnswerMode.Generated, loaded.Mode);
        Assert.Null(await store.GetAsync(id));
    }

    [Fact]
    public async Task Usage_AddsUpPerScopeAndDay()
    {
        var store = new SqliteUsageStore(_library.Store);
        var day = new DateOnly(2026, 11, 1);

        await store.AddAsync("guild:1", day, 100);
        var total = await store.AddAsync("guild:1", day, 50);
        await store.AddAsync("guild:1", day.AddDays(1), 7);

        Assert.Equal(150, total);
        Assert.Equal(150, await store.GetAsync("guild:1", day));
        Assert.Equal(0, await store.GetAsync("guild:2", day));
    }
}
