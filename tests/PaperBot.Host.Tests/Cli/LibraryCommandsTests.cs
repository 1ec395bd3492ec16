using System.Text.Json;

namespace PaperBot.Host.Tests.Cli;

public sealed class LibraryCommandsTests
{
    [Fact]
    public async Task Search_FreshLibrary_SeedsSampleAndFindsThePaper()
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("search", "a survey of mixture of experts models", "--json", "--top", "3");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("a survey of mixture of experts models", json.RootElement.GetProperty("query").GetString());
        var results = json.RootElement.GetProperty("results");
        Assert.Equal(3, results.GetArrayLength());
        Assert.Equal("A Survey on Mixture of Experts", results[0].GetProperty("title").GetString());
        Assert.Equal("a-survey-on-mixture-of-experts", results[0].GetProperty("id").GetString());
        Assert.True(results[0].GetProperty("score").GetDouble() > results[2].GetProperty("score").GetDouble());
        Assert.Contains("added the 72 papers of the bundled sample collection", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_NoQuery_ReadsOneQueryPerLineAndWritesOneJsonLineEach()
    {
        using var cli = new CliHarness();

        var result = await cli.RunWithInputAsync("telecom language models\n\nmodel editing with notes in context\n", "search", "--top", "2");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("Tele-LLMs: A Series of Specialized Large Language Models for Telecommunications",
            JsonDocument.Parse(lines[0]).RootElement.GetProperty("results")[0].GetProperty("title").GetString());
        Assert.Equal("model editing with notes in context", JsonDocument.Parse(lines[1]).RootElement.GetProperty("query").GetString());
    }

    [Fact]
    public async Task Ingest_GoodThenBrokenFile_ReportsErrorWithPositionAndKeepsLibrary()
    {
        using var cli = new CliHarness(seedSample: false);
        var good = cli.WriteFile("good.jsonl", """{"id": "2401.00001", "title": "Sparse retrieval for tiny models", "abstract": "We index passages with sparse vectors."}""");
        var broken = cli.WriteFile("broken.json", "[{\"paper\": {\"id\": \"1\",\n\"title\": }]");

        var result = await cli.RunAsync("ingest", good, broken);
        var list = await cli.RunAsync("papers", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("good.jsonl: 1 added, 0 updated, 0 unchanged, 0 skipped (jsonl)", result.Out, StringComparison.Ordinal);
        Assert.Contains("broken.json: line 2, byte", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, list.ExitCode);
        Assert.StartsWith("2401.00001\t", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_SkippedRecords_ListedWithLineAndExitCodeNonZero()
    {
        using var cli = new CliHarness(seedSample: false);
        var path = cli.WriteFile("mixed.jsonl", """
            {"id": "a", "title": "Good", "abstract": "Fine abstract."}
            {"id": "b", "abstract": "No title here."}
            """);

        var result = await cli.RunAsync("ingest", path, "--format", "jsonl");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("1 added, 0 updated, 0 unchanged, 1 skipped", result.Out, StringComparison.Ordinal);
        Assert.Contains("mixed.jsonl: line 2: no title; skipped", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_UnknownFormatName_IsAUsageError()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await cli.RunAsync("ingest", "x.txt", "--format", "docx");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("docx", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PapersShowAndRemove_ByTitlePrefix_AndUnknownPaperIsAClearError()
    {
        using var cli = new CliHarness();

        var show = await cli.RunAsync("papers", "show", "A Survey on Mixture");
        var remove = await cli.RunAsync("papers", "remove", "a-survey-on-mixture-of-experts");
        var again = await cli.RunAsync("papers", "show", "a-survey-on-mixture-of-experts");

        Assert.Equal(0, show.ExitCode);
        Assert.StartsWith("A Survey on Mixture of Experts\nid:         a-survey-on-mixture-of-experts", show.Out.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(0, remove.ExitCode);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("error: No paper matches 'a-survey-on-mixture-of-experts'. Try /search.", again.Error.Trim());
    }

    [Fact]
    public async Task PapersList_BadSinceDate_SaysWhatIsExpected()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await cli.RunAsync("papers", "list", "--since", "yesterday-ish");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--since: 'yesterday-ish' is not a date; use YYYY-MM-DD.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_ShowsCountsAndModel()
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("stats");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("papers:           72", result.Out, StringComparison.Ordinal);
        Assert.Contains("passages:         72 (72 embedded)", result.Out, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reindex_LibraryAboveApproximateThreshold_SavesTheVectorIndexBesideIt()
    {
        using var cli = new CliHarness();
        cli.Settings["Search:ApproximateFromPassages"] = "1";

        var result = await cli.RunAsync("reindex");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("vector index rebuilt: 72 passages", result.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(cli.LibraryPath + ".vectors.usearch"));
    }

    [Fact]
    public async Task AnyVerb_InvalidOption_FailsWithTheKeyNamed()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Search:FusionK"] = "0";

        var result = await cli.RunAsync("stats");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("FusionK", result.Error, StringComparison.Ordinal);
    }
}
