using System.Text;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Ingestion;

public sealed class ParserTests
{
    [Fact]
    public void Parse_HfPageSample_Reads72PapersWithTitlesAndAbstracts()
    {
        var parsed = PaperIngestor.Parse(TestData.Bytes(TestData.SamplePage), "sample.txt", IngestFormat.Auto);

        Assert.Equal(IngestFormat.HfPage, parsed.Format);
        Assert.Equal(72, parsed.Records.Count);
        Assert.Empty(parsed.Skipped);
        Assert.Equal("Internet-augmented language models through few-shot prompting for open-domain question answering", parsed.Records[0].Title);
        Assert.StartsWith("In this work, we aim to capitalize", parsed.Records[0].Abstract, StringComparison.Ordinal);
        Assert.All(parsed.Records, r => Assert.True(r.Abstract!.Length > 200, $"{r.Position}: short abstract"));
        Assert.DoesNotContain(parsed.Records, r => r.Title is "Subscribe" or "Mar 12");
    }

    [Fact]
    public void Parse_HfPageTitleWithoutAbstract_ReportsItsLine()
    {
        var text = "Mar 12\n\nFirst title\n\nWe study how language models use retrieved passages to answer.\n\nOrphan title\n\nThird title\n\nWe propose a method that ranks papers by meaning and by words.\n";

        var parsed = PaperIngestor.Parse(Encoding.UTF8.GetBytes(text), "page.txt", IngestFormat.HfPage);

        Assert.Equal(3, parsed.Records.Count);
        var orphan = Assert.Single(parsed.Records, r => r.Title == "Orphan title");
        Assert.Null(orphan.Abstract);
        Assert.Equal("line 7", orphan.Position);
    }

    [Fact]
    public void Parse_HfDailyFixture_Reads30PapersWithArxivIdsAuthorsAndDates()
    {
        var parsed = PaperIngestor.Parse(TestData.Bytes(TestData.Fixture("hf-daily-papers-api.json")), "daily.json", IngestFormat.Auto);

        Assert.Equal(IngestFormat.HfDaily, parsed.Format);
        Assert.Equal(30, parsed.Records.Count);
        var first = parsed.Records[0];
        Assert.Equal("2606.00467", first.Id);
        Assert.StartsWith("On the Limits of LLM Adaptability", first.Title, StringComparison.Ordinal);
        Assert.Equal(["Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez"], first.Authors);
        Assert.Equal(new DateOnly(2026, 5, 30), first.Published);
    }

    [Fact]
    public void Parse_ArxivAtomFixture_ReadsVersionlessIdsVersionsAndCategories()
    {
        var parsed = PaperIngestor.Parse(TestData.Bytes(TestData.Fixture("arxiv-atom-api.xml")), "atom.xml", IngestFormat.Auto);

        Assert.Equal(IngestFormat.ArxivAtom, parsed.Format);
        Assert.Equal(5, parsed.Records.Count);
        var mana = parsed.Records[0];
        Assert.Equal("2606.13677", mana.Id);
        Assert.Equal(1, mana.Version);
        Assert.Equal("Mana: Dexterous Manipulation of Articulated Tools", mana.Title);
        Assert.Contains("cs.RO", mana.Categories);
        Assert.Contains("(<1 minute per tool)", mana.Abstract, StringComparison.Ordinal);
        Assert.Equal("https://arxiv.org/abs/2606.13677", mana.SourceUrl);
    }

    [Fact]
    public void Parse_ArxivOaiFixture_Reads1000RecordsWithLatestVersion()
    {
        var parsed = PaperIngestor.Parse(TestData.Bytes(TestData.Fixture("arxiv-oai-arxivraw-1000.xml")), "oai.xml", IngestFormat.Auto);

        Assert.Equal(IngestFormat.ArxivOai, parsed.Format);
        Assert.Equal(1000, parsed.Records.Count);
        var brane = Assert.Single(parsed.Records, r => r.Id == "0801.3674");
        Assert.Equal(4, brane.Version);
        Assert.Equal("A Study of Structure Formation and Reheating in the D3/D7 Brane Inflation Model", brane.Title);
        Assert.Equal(["Robert H. Brandenberger", "Keshav Dasgupta", "Anne-Christine Davis"], brane.Authors);
        Assert.Equal(new DateOnly(2008, 1, 23), brane.Published);
        Assert.Equal(["hep-th", "astro-ph", "gr-qc", "hep-ph"], brane.Categories);
    }

    [Fact]
    public void Parse_Jsonl_KeepsGivenIdsAndReportsBadLines()
    {
        var text = """
            {"id": "my-paper-1", "title": "A title", "abstract": "An abstract.", "authors": ["Ada", "Alan"], "published": "2024-02-03"}
            {"_id": "2305.07759", "title": "TinyStories", "text": "How small can language models be?", "categories": "cs.CL cs.AI"}
            not json at all
            [1, 2]
            """;

        var parsed = PaperIngestor.Parse(Encoding.UTF8.GetBytes(text), "papers.jsonl", IngestFormat.Auto);

        Assert.Equal(IngestFormat.Jsonl, parsed.Format);
        Assert.Equal(2, parsed.Records.Count);
        Assert.Equal("my-paper-1", parsed.Records[0].Id);
        Assert.Equal(["Ada", "Alan"], parsed.Records[0].Authors);
        Assert.Equal(new DateOnly(2024, 2, 3), parsed.Records[0].Published);
        Assert.Equal("How small can language models be?", parsed.Records[1].Abstract);
        Assert.Equal(["cs.CL", "cs.AI"], parsed.Records[1].Categories);
        Assert.Equal(["line 3", "line 4"], parsed.Skipped.Select(s => s.Position));
    }

    [Fact]
    public void Parse_TruncatedXml_NamesFileAndLine()
    {
        var text = File.ReadAllText(TestData.Fixture("arxiv-atom-api.xml"));
        var truncated = text[..(text.Length / 2)];

        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse(Encoding.UTF8.GetBytes(truncated), "broken.xml", IngestFormat.Auto));

        Assert.StartsWith("broken.xml: line ", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid XML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BrokenJson_NamesFileAndLine()
    {
        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse("[{\"paper\": {\"id\": \n 12,,}]"u8.ToArray(), "daily.json", IngestFormat.HfDaily));

        Assert.StartsWith("daily.json: line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownXml_SaysWhichFormatsAreExpected()
    {
        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse("<html><body/></html>"u8.ToArray(), "page.html", IngestFormat.Auto));

        Assert.Contains("--format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BinaryGarbageAsText_IsRejectedNotGuessed()
    {
        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse([0x41, 0xFF, 0xFE, 0x00, 0x80], "blob.bin", IngestFormat.HfPage));

        Assert.Contains("not UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Pdf_ReadsTitleAbstractArxivIdAndFullText()
    {
        var pdf = TestPdf.Create(
            "arXiv:2401.01234v3 [cs.CL] 5 Jan 2024",
            "Sparse Retrieval for Tiny Models",
            "Ada Lovelace, Alan Turing and Grace Hopper",
            "Abstract",
            "We show that sparse retrieval lets tiny language models answer open questions.",
            "Our method indexes passages with learned sparse vectors.",
            "1 Introduction",
            "Retrieval augmented generation has become popular.");

        var parsed = PaperIngestor.Parse(pdf, "paper.pdf", IngestFormat.Auto);

        var record = Assert.Single(parsed.Records);
        Assert.Equal(IngestFormat.Pdf, parsed.Format);
        Assert.Equal("2401.01234", record.Id);
        Assert.Equal(3, record.Version);
        Assert.Equal("Sparse Retrieval for Tiny Models", record.Title);
        Assert.StartsWith("We show that sparse retrieval", record.Abstract, StringComparison.Ordinal);
        Assert.DoesNotContain("Introduction", record.Abstract, StringComparison.Ordinal);
        Assert.Contains("Retrieval augmented generation", record.FullText, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PdfWithWrappedLines_JoinsLinesUndoesHyphenationKeepsParagraphs()
    {
        var pdf = TestPdf.Create(
            "Retrieval Heads Explain Long-Context Factuality",
            "Abstract",
            "Our retrieval heads attend to the answer",
            "span and copy it, which we verify with causal ablations. Masking random heads leaves answers un-",
            "changed.",
            null,
            "1 Introduction",
            "Long inputs are common.");

        var record = Assert.Single(PaperIngestor.Parse(pdf, "paper.pdf", IngestFormat.Pdf).Records);

        Assert.Contains("Our retrieval heads attend to the answer span and copy it, which we verify with causal ablations.", record.FullText, StringComparison.Ordinal);
        Assert.Contains("leaves answers unchanged.\n\n1 Introduction", record.FullText, StringComparison.Ordinal);
        Assert.StartsWith("Our retrieval heads attend to the answer span and copy it", record.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("unchanged.", record.Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PdfWithoutText_IsOneClearError()
    {
        var pdf = TestPdf.Create();

        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse(pdf, "scan.pdf", IngestFormat.Pdf));

        Assert.Equal("scan.pdf: the PDF has no extractable text (a scanned image?); nothing was added.", error.Message);
    }

    [Fact]
    public void Parse_NotAPdf_IsOneClearError()
    {
        var error = Assert.Throws<IngestException>(() => PaperIngestor.Parse("%PDF-1.7 garbage"u8.ToArray(), "bad.pdf", IngestFormat.Auto));

        Assert.StartsWith("bad.pdf: not a readable PDF", error.Message, StringComparison.Ordinal);
    }
}
