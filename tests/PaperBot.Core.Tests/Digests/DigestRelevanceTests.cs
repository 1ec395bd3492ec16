using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Digests;

/// <summary>Relevance measured with the real local embedding model over the sample collection plus the feed fixtures.</summary>
public sealed class DigestRelevanceTests : IClassFixture<DigestRelevanceTests.SampleLibrary>
{
    private readonly SampleLibrary _sample;

    public DigestRelevanceTests(SampleLibrary sample) => _sample = sample;

    [Theory]
    [InlineData("mixture of experts, sparse expert routing", "A Survey on Mixture of Experts")]
    [InlineData("pretraining data curation", "Dolma: an Open Corpus of Three Trillion Tokens for Language Model Pretraining Research")]
    public async Task Preview_TopicProfile_PutsTheKeyPaperInTheDigest(string topics, string expectedTitle)
    {
        var digest = await _sample.Composer.PreviewAsync(topics, null, 8, null, CancellationToken.None);

        Assert.Contains(expectedTitle, digest.Entries.Select(e => e.Title));
        var entry = digest.Entries.Single(e => e.Title == expectedTitle);
        Assert.StartsWith("closest to your topic “", entry.Reason, StringComparison.Ordinal);
        Assert.Equal(BlurbMode.Extractive, entry.BlurbMode);
    }

    [Fact]
    public async Task Preview_UnrelatedTopic_DropsPapersBelowTheMinimumScore()
    {
        var digest = await _sample.Composer.PreviewAsync("medieval cathedral architecture", null, 8, 6, CancellationToken.None);

        Assert.Empty(digest.Entries);
        Assert.Equal("Nothing new on your topics today.", Assert.Single(digest.Parts).Header);
    }

    [Fact]
    public async Task Preview_CategoryOnly_RanksPapersInThatCategory()
    {
        var digest = await _sample.Composer.PreviewAsync("cs.LG", null, 5, null, CancellationToken.None);

        Assert.NotEmpty(digest.Entries);
        Assert.All(digest.Entries, e => Assert.Equal("in cs.LG", e.Reason));
    }

    [Fact]
    public async Task Preview_WithModelVerdicts_RanksByModelScoreAndUsesItsReasonAndBlurb()
    {
        var judge = new ReversingJudge();
        var composer = new DigestComposer(
            new SqliteDigestStore(_sample.Library.Store), _sample.Library.Embedder, judge,
            Options.Create(new DigestOptions { ModelShortlist = 3 }), _sample.Library.Time, NullLogger<DigestComposer>.Instance);

        var digest = await composer.PreviewAsync("mixture of experts, sparse expert routing", null, 3, null, CancellationToken.None);

        Assert.True(digest.ModelScored);
        Assert.Equal(judge.Asked.AsEnumerable().Reverse().Select(p => p.Id), digest.Entries.Select(e => e.PaperId));
        Assert.All(digest.Entries, e => Assert.Equal(BlurbMode.Generated, e.BlurbMode));
        Assert.Equal("model reason 3", digest.Entries[0].Reason);
    }

    [Fact]
    public async Task Compose_AfterVotes_LikedKindOfPaperRisesAndDislikedKindFalls()
    {
        var store = new SqliteDigestStore(_sample.Library.Store);
        var subscription = await store.UpsertSubscriptionAsync(
            new SubscriptionDraft("1", "900", "large language models", [], "0 8 * * *", "UTC", 20, 0, "admin"), _sample.Library.Time.GetUtcNow(), CancellationToken.None);
        var before = await _sample.Composer.ComposeAsync(subscription, CancellationToken.None);
        var dolma = before.Entries.Single(e => e.Title.StartsWith("Dolma", StringComparison.Ordinal));
        var disliked = before.Entries[0];

        await store.RecordVoteAsync("900", dolma.PaperId, "u1", +1, _sample.Library.Time.GetUtcNow(), CancellationToken.None);
        await store.RecordVoteAsync("900", disliked.PaperId, "u2", -1, _sample.Library.Time.GetUtcNow(), CancellationToken.None);
        var after = await _sample.Composer.ComposeAsync(subscription, CancellationToken.None);

        Assert.Equal(2, after.Votes);
        var dolmaAfter = after.Entries.Single(e => e.PaperId == dolma.PaperId);
        Assert.True(dolmaAfter.Similarity > dolma.Similarity, $"{dolmaAfter.Similarity} <= {dolma.Similarity}");
        Assert.True(after.Entries.ToList().FindIndex(e => e.PaperId == dolma.PaperId) < before.Entries.ToList().FindIndex(e => e.PaperId == dolma.PaperId));
        var dislikedAfter = after.Entries.FirstOrDefault(e => e.PaperId == disliked.PaperId);
        Assert.True(dislikedAfter is null || dislikedAfter.Similarity < disliked.Similarity);
    }

    /// <summary>Scores the short list in reverse similarity order (8, 9, 10 for the first three).</summary>
    private sealed class ReversingJudge : IDigestJudge
    {
        public IReadOnlyList<Paper> Asked { get; private set; } = [];

        public Task<IReadOnlyDictionary<string, DigestJudgement>?> JudgeAsync(string topics, IReadOnlyList<Paper> papers, CancellationToken cancellationToken)
        {
            Asked = papers;
            IReadOnlyDictionary<string, DigestJudgement> verdicts = papers
                .Select((p, i) => (p.Id, Verdict: new DigestJudgement(8 + i, $"model reason {i + 1}", $"model blurb {i + 1}")))
                .ToDictionary(x => x.Id, x => x.Verdict);
            return Task.FromResult<IReadOnlyDictionary<string, DigestJudgement>?>(verdicts);
        }
    }

    public sealed class SampleLibrary : IDisposable
    {
        public SampleLibrary()
        {
            Library = new TestLibrary();
            foreach (var input in new[] { TestData.SamplePage, TestData.Fixture("arxiv-atom-api.xml"), TestData.Fixture("hf-daily-papers-api.json") })
            {
                Library.Ingestor.IngestAsync(input).GetAwaiter().GetResult();
            }

            Composer = new DigestComposer(
                new SqliteDigestStore(Library.Store), Library.Embedder, new SimilarityOnlyJudge(),
                Options.Create(new DigestOptions()), Library.Time, NullLogger<DigestComposer>.Instance);
        }

        public TestLibrary Library { get; }

        public DigestComposer Composer { get; }

        public void Dispose() => Library.Dispose();
    }
}
