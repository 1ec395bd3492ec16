using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using PaperBot.Host.Cli;

namespace PaperBot.Host.Tests.Cli;

/// <summary>
/// The assistant verbs on the real host (SQLite library in a temp folder seeded with the sample
/// collection, local embedding model, no model endpoint: extractive mode as on a fresh clone).
/// </summary>
public sealed class AssistantCommandsTests(SeededHostFixture fixture) : IClassFixture<SeededHostFixture>
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    [Fact]
    public async Task Ask_Json_ExtractiveAnswerWithCitations()
    {
        var code = await RunAsync("ask", "--json", "open corpus of three trillion tokens used to pretrain OLMo");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(_out.ToString());
        Assert.Equal("extractive", json.RootElement.GetProperty("mode").GetString());
        Assert.Contains("Dolma", json.RootElement.GetProperty("answer").GetString(), StringComparison.Ordinal);
        var citation = json.RootElement.GetProperty("citations")[0];
        Assert.Equal(1, citation.GetProperty("n").GetInt32());
        Assert.StartsWith("Dolma", citation.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(citation.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Ask_OutOfScope_AbstainsWithNearestPapers()
    {
        var code = await RunAsync("ask", "--json", "How do I remove red wine stains from a carpet?");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(_out.ToString());
        Assert.Equal("abstained", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("nearest_papers").GetArrayLength());
    }

    [Fact]
    public async Task Summarize_AmbiguousTitle_ErrorListsCandidatesAndFails()
    {
        var code = await RunAsync("summarize", "A Survey");

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("'A Survey' matches", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("A Survey on Mixture of Experts", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarize_Json_CarriesModeAndLevel()
    {
        var code = await RunAsync("summarize", "Dolma", "--level", "detailed", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(_out.ToString());
        Assert.Equal("extractive", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal("detailed", json.RootElement.GetProperty("level").GetString());
        Assert.Contains("**Method**", json.RootElement.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_TwoPapers_RendersTable_OnePaper_Fails()
    {
        var code = await RunAsync("compare", "Dolma", "TinyStories");

        Assert.Equal(0, code);
        Assert.Contains("Limitations", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("Key differences (extractive)", _out.ToString(), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Failed, await RunAsync("compare", "Dolma"));
        Assert.Contains("2 to 5 papers", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InteractiveConsole_RealHost_AnswersFollowsUpAndSummarizes()
    {
        var io = new AppIo(new StringReader("/ask open corpus of three trillion tokens used to pretrain OLMo\nwhat sources is it built from?\n/summarize Dolma tldr\n/quit\n/ask never read\n"), _out, _error, IsInteractive: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var code = await PaperBot.Host.Interactive.InteractiveConsole.RunAsync(fixture.Host.Services, io, timeout.Token);

        Assert.Equal(0, code);
        var output = _out.ToString();
        Assert.Equal(2, output.Split("*Extractive answer", StringSplitOptions.None).Length - 1);
        Assert.Contains("[1] Dolma", output, StringComparison.Ordinal);
        Assert.Contains("web content, scientific papers, code", output, StringComparison.Ordinal); // the follow-up found the sources sentence
        Assert.Contains("tldr · extractive", output, StringComparison.Ordinal);
        Assert.DoesNotContain("never read", output, StringComparison.Ordinal);
    }

    private async Task<int> RunAsync(params string[] args)
    {
        var io = new AppIo(new StringReader(""), _out, _error, IsInteractive: false);
        var root = new RootCommand();
        AssistantCommands.AddTo(root, fixture.Host.Services, io);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await root.Parse(args).InvokeAsync(new() { Output = _out, Error = _error }, timeout.Token);
    }
}

/// <summary>One host and library for the class: seeding embeds the sample collection once.</summary>
public sealed class SeededHostFixture : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-host-tests", Guid.NewGuid().ToString("N"));

    public SeededHostFixture()
    {
        Directory.CreateDirectory(_folder);
        var io = new AppIo(new StringReader(""), TextWriter.Null, TextWriter.Null, IsInteractive: false, new Dictionary<string, string?>
        {
            ["Library:Path"] = Path.Combine(_folder, "library.db"),
        });
        Host = PaperBotApp.CreateBuilder(io, noVerb: false).Build();
    }

    public IHost Host { get; }

    public void Dispose()
    {
        Host.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle can outlive the host; the OS cleans the temp folder.
        }
    }
}
