using System.Text;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Library;

public sealed class LibraryStoreTests : IDisposable
{
    private readonly TestLibrary _library = new();

    public void Dispose() => _library.Dispose();

    [Fact]
    public async Task Ingest_SameFileTwice_AddsNothingTheSecondTime()
    {
        var first = await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));
        var second = await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));

        Assert.Equal((5, 0, 0), (first.Added, first.Updated, first.Unchanged));
        Assert.Equal((0, 0, 5), (second.Added, second.Updated, second.Unchanged));
        var stats = await _library.Papers.GetStatsAsync();
        Assert.Equal(5, stats.Papers);
        Assert.Equal(5, stats.EmbeddedPassages);
    }

    [Fact]
    public async Task Ingest_NewerVersion_UpdatesInPlaceAndKeepsAddedAt()
    {
        var v1 = _library.WriteFile("v1.jsonl", """{"id": "2401.00001v1", "title": "Old title", "abstract": "Old abstract about retrieval."}""");
        var v2 = _library.WriteFile("v2.jsonl", """{"id": "2401.00001v2", "title": "New title", "abstract": "New abstract about sparse retrieval."}""");
        await _library.Ingestor.IngestAsync(v1);
        var addedAt = (await _library.Papers.GetAsync("2401.00001"))!.AddedAt;
        _library.Time.Advance(TimeSpan.FromDays(3));

        var update = await _library.Ingestor.IngestAsync(v2);
        var older = await _library.Ingestor.IngestAsync(v1);

        Assert.Equal(1, update.Updated);
        Assert.Equal(1, older.Unchanged);
        var paper = await _library.Papers.GetAsync("2401.00001");
        Assert.Equal("New title", paper!.Title);
        Assert.Equal(2, paper.Version);
        Assert.Equal(addedAt, paper.AddedAt);
        Assert.Equal(1, (await _library.Papers.GetStatsAsync()).Passages);
    }

    [Fact]
    public async Task Ingest_InvalidRecords_AreSkippedWithPositionAndTheRestGoesIn()
    {
        var path = _library.WriteFile("mixed.jsonl", """
            {"id": "a", "title": "Good one", "abstract": "Fine abstract."}
            {"id": "b", "title": "", "abstract": "Abstract without title."}
            {"id": "c", "title": "No abstract", "abstract": "   "}
            {"id": "d", "title": "Good two", "text": "Another fine abstract."}
            """);

        var report = await _library.Ingestor.IngestAsync(path);

        Assert.Equal(2, report.Added);
        Assert.Equal([new SkippedRecord("line 2", "no title"), new SkippedRecord("line 3", "empty abstract")], report.Skipped);
        Assert.Equal(["a", "d"], (await _library.Papers.ListAsync()).Select(p => p.Id).Order());
    }

    [Fact]
    public async Task Ingest_UnparseableFile_WritesNothingAndKeepsWhatWasStored()
    {
        await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));
        var broken = _library.WriteFile("broken.xml", File.ReadAllText(TestData.Fixture("arxiv-oai-arxivraw-1000.xml"))[..50_000]);

        var error = await Assert.ThrowsAsync<IngestException>(() => _library.Ingestor.IngestAsync(broken));

        Assert.Contains("broken.xml: line ", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, (await _library.Papers.GetStatsAsync()).Papers);
    }

    [Fact]
    public async Task Ingest_MissingFile_IsOneClearLine()
    {
        var error = await Assert.ThrowsAsync<IngestException>(() => _library.Ingestor.IngestAsync("/nonexistent/papers.xml"));

        Assert.Equal("/nonexistent/papers.xml: no such file.", error.Message);
    }

    [Fact]
    public async Task Ingest_PdfWithFullText_IsChunkedIntoPassages()
    {
        var sentence = "Sparse retrieval lets tiny language models answer open questions with evidence. ";
        var lines = new List<string> { "Sparse Retrieval for Tiny Models", "Abstract", "We study sparse retrieval for tiny models.", "1 Introduction" };
        lines.AddRange(Enumerable.Repeat(sentence, 30));
        var path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(_library.Path)!, "tiny.pdf");
        await File.WriteAllBytesAsync(path, TestPdf.Create([.. lines]));

        var report = await _library.Ingestor.IngestAsync(path);

        Assert.Equal(1, report.Added);
        var stats = await _library.Papers.GetStatsAsync();
        Assert.True(stats.Passages >= 3, $"expected abstract + full-text chunks, got {stats.Passages} passages");
        var paper = Assert.Single(await _library.Papers.ListAsync());
        Assert.Equal("sparse-retrieval-for-tiny-models", paper.Id);
    }

    [Fact]
    public async Task Resolve_IdVersionUrlOrUniqueTitlePrefix_FindsThePaper()
    {
        await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));

        Assert.Equal("2606.13677", (await _library.Papers.ResolveAsync("2606.13677")).Id);
        Assert.Equal("2606.13677", (await _library.Papers.ResolveAsync("2606.13677v1")).Id);
        Assert.Equal("2606.13677", (await _library.Papers.ResolveAsync("https://arxiv.org/abs/2606.13677")).Id);
        Assert.Equal("2606.13677", (await _library.Papers.ResolveAsync("mana: dexterous")).Id);
    }

    [Fact]
    public async Task Resolve_UnknownOrAmbiguous_ListsCandidates()
    {
        var path = _library.WriteFile("two.jsonl", """
            {"id": "x1", "title": "Scaling laws for retrieval", "abstract": "One."}
            {"id": "x2", "title": "Scaling laws for routing", "abstract": "Two."}
            """);
        await _library.Ingestor.IngestAsync(path);

        var ambiguous = await Assert.ThrowsAsync<PaperLookupException>(() => _library.Papers.ResolveAsync("Scaling laws"));
        var unknown = await Assert.ThrowsAsync<PaperLookupException>(() => _library.Papers.ResolveAsync("quantum gravity"));

        Assert.Equal(["x1", "x2"], ambiguous.Candidates.Select(c => c.Id));
        Assert.Contains("matches 2 papers", ambiguous.Message, StringComparison.Ordinal);
        Assert.Empty(unknown.Candidates);
        Assert.Equal("No paper matches 'quantum gravity'. Try /search.", unknown.Message);
    }

    [Fact]
    public async Task Suggest_PrefixMatchesComeFirstAndLikeWildcardsAreLiteral()
    {
        var path = _library.WriteFile("s.jsonl", """
            {"id": "p1", "title": "Graph transformers", "abstract": "A."}
            {"id": "p2", "title": "Transformers for graphs", "abstract": "B."}
            {"id": "p3", "title": "100% recall_at_k", "abstract": "C."}
            """);
        await _library.Ingestor.IngestAsync(path);

        var suggestions = await _library.Papers.SuggestAsync("transformers", 25);
        var literal = await _library.Papers.SuggestAsync("100%", 25);

        Assert.Equal(["p2", "p1"], suggestions.Select(p => p.Id));
        Assert.Equal(["p3"], literal.Select(p => p.Id));
    }

    [Fact]
    public async Task Remove_DeletesPaperPassagesAndCachedSummaries()
    {
        await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));
        await _library.Summaries.SetAsync(new SummaryCacheKey("2606.13677", "tldr", "1", "m"), "Short.");

        Assert.True(await _library.Papers.RemoveAsync("2606.13677"));
        Assert.False(await _library.Papers.RemoveAsync("2606.13677"));

        var stats = await _library.Papers.GetStatsAsync();
        Assert.Equal((4, 4, 0), (stats.Papers, stats.Passages, stats.CachedSummaries));
        Assert.DoesNotContain(await _library.Search.SearchAsync("dexterous manipulation of articulated tools", 5), h => h.Paper.Id == "2606.13677");
    }

    [Fact]
    public async Task SummaryCache_RoundTripsByFullKey()
    {
        await _library.Ingestor.IngestAsync(TestData.Fixture("arxiv-atom-api.xml"));
        var key = new SummaryCacheKey("2606.13677", "tldr", "1", "gpt-x");

        await _library.Summaries.SetAsync(key, "Animation-style dexterous manipulation.");

        Assert.Equal("Animation-style dexterous manipulation.", await _library.Summaries.GetAsync(key));
        Assert.Null(await _library.Summaries.GetAsync(key with { Model = "other" }));
        Assert.Null(await _library.Summaries.GetAsync(key with { PromptVersion = "2" }));
    }

    [Fact]
    public async Task Open_UsesWalAndCurrentSchemaVersion()
    {
        await _library.Papers.GetStatsAsync();

        await using var connection = new SqliteConnection($"Data Source={_library.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA user_version";
        Assert.Equal((long)LibrarySchema.CurrentVersion, await command.ExecuteScalarAsync());
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'passages_vocab'";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Open_NewerSchemaThanThisBuild_IsRefusedClearly()
    {
        await using (var connection = new SqliteConnection($"Data Source={_library.Path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<UserFacingException>(() => _library.Papers.GetStatsAsync());

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FileThatIsNotSqlite_IsRefusedClearly()
    {
        await File.WriteAllTextAsync(_library.Path, new string('x', 4096), Encoding.ASCII);

        var error = await Assert.ThrowsAsync<UserFacingException>(() => _library.Papers.GetStatsAsync());

        Assert.Contains("is not a PaperBot library", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountPassagesWithTerms_Prefixes_CountPassagesHoldingAWordThatStartsSo()
    {
        var path = _library.WriteFile("three.jsonl", """
            {"id": "a", "title": "Sparse retrieval", "abstract": "Retrieval with sparse vectors."}
            {"id": "b", "title": "Dense retrieval", "abstract": "Retrieving with dense vectors and BERT."}
            {"id": "c", "title": "Tiny stories", "abstract": "Small models write stories."}
            """);
        await _library.Ingestor.IngestAsync(path);

        var counts = await _library.Lexical.CountPassagesWithTermsAsync(["retriev", "bert", "autoencod", "\"quoted\" OR x"]);

        Assert.Equal(3, counts.Passages);
        Assert.Equal([2L, 1L, 0L, 0L], counts.Counts);
    }
}
