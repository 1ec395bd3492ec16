using System.Text.Json;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace PaperBot.Host.Tests.Cli;

/// <summary>A real PDF whose sentences wrap across lines, ingested and asked about on the real host (extractive mode).</summary>
public sealed class PdfAnswerTests
{
    private const string Sentence = "Our retrieval heads attend to the answer span and copy it, which we verify with causal ablations across six model families.";

    [Fact]
    public async Task Ask_SentenceWrappedAcrossPdfLinesAndPassages_QuotesTheWholeSentence()
    {
        using var cli = new CliHarness(seedSample: false);
        var pdf = Path.Combine(cli.Folder, "2404.15574.pdf");
        await File.WriteAllBytesAsync(pdf, WrappedPaper());
        Assert.Equal(0, (await cli.RunAsync("ingest", pdf)).ExitCode);

        var result = await cli.RunAsync("ask", "--json", "Which attention heads attend to the answer span and copy it?");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var answer = json.RootElement.GetProperty("answer").GetString()!;
        Assert.Contains($"“{Sentence}”", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("“Our retrieval heads attend to the answer”", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_WordHyphenatedAtLineEnd_QuotesItWhole()
    {
        using var cli = new CliHarness(seedSample: false);
        var pdf = Path.Combine(cli.Folder, "2404.15574.pdf");
        await File.WriteAllBytesAsync(pdf, WrappedPaper());
        Assert.Equal(0, (await cli.RunAsync("ingest", pdf)).ExitCode);

        var result = await cli.RunAsync("ask", "--json", "What happens to the answers when random heads are masked?");

        using var json = JsonDocument.Parse(result.Out);
        Assert.Contains("while masking random heads leaves the answers nearly unchanged.”", json.RootElement.GetProperty("answer").GetString(), StringComparison.Ordinal);
    }

    // The sentence starts at word 153 of the text, so the first 160-word search passage ends inside it
    // ("... attend to the answer"), where the PDF also wraps the line.
    private static byte[] WrappedPaper()
    {
        var lines = new List<string>
        {
            "Retrieval Heads Explain Long-Context Factuality",
            "Abstract",
            "We find a small set of attention heads that fetch facts from long inputs.",
            "",
            "1 Introduction",
        };
        var words = lines.Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        var section = 1;
        while (153 - words >= 12)
        {
            lines.Add($"Section {section++} of the appendix lists the data mixture, the tokenizer and every seed.");
            words += 12;
        }

        lines.Add(string.Join(' ', Enumerable.Repeat("Long inputs", 153 - words).SelectMany(p => p.Split(' ')).Take(153 - words)) + ".");
        lines.Add("Our retrieval heads attend to the answer");
        lines.Add("span and copy it, which we verify with causal ablations across six model families. Masking them turns");
        lines.Add("faithful answers into hallucinations, while masking random heads leaves the answers nearly un-");
        lines.Add("changed.");
        lines.Add("");
        lines.Add("2 Method");
        lines.Add("We score each head by how often it copies a token of the needle into the output.");

        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var y = 800.0;
        foreach (var line in lines)
        {
            if (line.Length > 0)
            {
                page.AddText(line, 9, new PdfPoint(40, y), font);
            }

            y -= line.Length > 0 ? 12 : 24; // a wider gap is a paragraph break
        }

        return builder.Build();
    }
}
