using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Digests;
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
