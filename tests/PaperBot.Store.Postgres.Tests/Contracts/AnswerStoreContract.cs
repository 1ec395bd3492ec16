using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>The answers behind Discord buttons.</summary>
public abstract class AnswerStoreContract : StoreContract
{
    [SkippableFact]
    public async Task Get_AfterSave_RoundTripsCitationsWithExcerpts()
    {
        var citations = new[] { new Citation(1, "2305.07759", "TinyStories", "https://arxiv.org/abs/2305.07759") { Excerpt = "Small models write stories." } };
        var id = await Stores.Answers.SaveAsync(new StoredAnswer(0, "g", "c", "u", "What?", "Text [1].", AnswerMode.Generated, citations, Start));

        var loaded = await Stores.Answers.GetAsync(id);

        Assert.NotNull(loaded);
        Assert.Equal(id, loaded.Id);
        Assert.Equal(("g", "c", "u", "What?", "Text [1]."), (loaded.GuildId, loaded.ChannelId, loaded.UserId, loaded.Question, loaded.Text));
        Assert.Equal(AnswerMode.Generated, loaded.Mode);
        Assert.Equal("Small models write stories.", loaded.Citations.Single().Excerpt);
        Assert.Equal("2305.07759", loaded.Citations.Single().PaperId);
        Assert.Equal(Start, loaded.CreatedAt);
    }

    [SkippableFact]
    public async Task Save_FromTwoProcesses_GivesDistinctIdsEachFoundByTheOther()
    {
        var other = Backend.OpenProcess();
        var first = await Stores.Answers.SaveAsync(new StoredAnswer(0, null, null, null, "q1", "a1", AnswerMode.Extractive, [], Start));
        var second = await other.Answers.SaveAsync(new StoredAnswer(0, null, null, null, "q2", "a2", AnswerMode.Extractive, [], Start));

        Assert.NotEqual(first, second);
        Assert.Equal("q2", (await Stores.Answers.GetAsync(second))!.Question);
        Assert.Equal("q1", (await other.Answers.GetAsync(first))!.Question);
        Assert.Null((await other.Answers.GetAsync(first))!.GuildId);
    }

    [SkippableFact]
    public async Task Prune_RemovesOnlyAnswersOlderThanTheCutoff()
    {
        var old = await Stores.Answers.SaveAsync(new StoredAnswer(0, "g", "c", "u", "old", "a", AnswerMode.Extractive, [], Start));
        var recent = await Stores.Answers.SaveAsync(new StoredAnswer(0, "g", "c", "u", "recent", "a", AnswerMode.Extractive, [], Start.AddDays(2)));

        var removed = await Stores.Answers.PruneAsync(Start.AddDays(1));

        Assert.Equal(1, removed);
        Assert.Null(await Stores.Answers.GetAsync(old));
        Assert.NotNull(await Stores.Answers.GetAsync(recent));
    }
}

public sealed class SqliteAnswerStoreTests : AnswerStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresAnswerStoreTests : AnswerStoreContract
{
    protected override Task<StoreBackend?> CreateBackendAsync() => Postgres();
}
