using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>Conversations in Discord threads: turns, the one-time hint, pruning.</summary>
public abstract class ConversationStoreContract : StoreContract
{
    [SkippableFact]
    public async Task RecentTurns_AfterSeveralTurns_AreTheLastOnesOldestFirst()
    {
        var store = Stores.Conversations;
        await store.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));
        await store.AddTurnAsync("t1", new ConversationTurn("q2", "a2"), Start.AddMinutes(1));
        await store.AddTurnAsync("t1", new ConversationTurn("q3", "a3"), Start.AddMinutes(2));

        var turns = await store.RecentTurnsAsync("t1", 2);

        Assert.Equal(["q2", "q3"], turns.Select(t => t.Question));
        Assert.Equal(["a2", "a3"], turns.Select(t => t.Answer));
        Assert.Null(await store.GetAsync("other"));
    }

    [SkippableFact]
    public async Task Get_AfterATurn_HasTheThreadAndItsLastActivity()
    {
        var store = Stores.Conversations;
        await store.StartAsync(new Conversation("t1", null, "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));
        await store.AddTurnAsync("t1", new ConversationTurn("q2", "a2"), Start.AddMinutes(5));

        var conversation = await store.GetAsync("t1");

        Assert.Equal(new Conversation("t1", null, "c", "u", Start, Start.AddMinutes(5), false), conversation);
    }

    [SkippableFact]
    public async Task Start_ForAThreadThatHasAConversation_KeepsTheFirst()
    {
        var store = Stores.Conversations;
        await store.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));
        await Backend.OpenProcess().Conversations.StartAsync(new Conversation("t1", "g", "c", "u2", Start, Start, false), new ConversationTurn("other", "x"));

        Assert.Equal(["q1"], (await store.RecentTurnsAsync("t1", 10)).Select(t => t.Question));
        Assert.Equal("u", (await store.GetAsync("t1"))!.StartedBy);
    }

    [SkippableFact]
    public async Task TryMarkHintSent_FromTwoProcesses_IsTrueOnlyOnce()
    {
        await Stores.Conversations.StartAsync(new Conversation("t1", "g", "c", "u", Start, Start, false), new ConversationTurn("q1", "a1"));

        Assert.True(await Stores.Conversations.TryMarkHintSentAsync("t1"));
        Assert.False(await Backend.OpenProcess().Conversations.TryMarkHintSentAsync("t1"));
        Assert.True((await Stores.Conversations.GetAsync("t1"))!.HintSent);
    }

    [SkippableFact]
    public async Task Prune_RemovesOldTurnsAndIdleConversations()
    {
        var store = Stores.Conversations;
        await store.StartAsync(new Conversation("old", "g", "c", "u", Start, Start, false), new ConversationTurn("q", "a"));
        await store.StartAsync(new Conversation("busy", "g", "c", "u", Start, Start, false), new ConversationTurn("old q", "a"));
        await store.AddTurnAsync("busy", new ConversationTurn("new q", "a"), Start.AddDays(40));

        var removed = await store.PruneAsync(Start.AddDays(30));

        Assert.Equal(3, removed);
        Assert.Null(await store.GetAsync("old"));
        Assert.Equal(["new q"], (await store.RecentTurnsAsync("busy", 10)).Select(t => t.Question));
    }
}

public sealed class SqliteConversationStoreTests : ConversationStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresConversationStoreTests : ConversationStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
