using System.Text.Json;
using System.Xml;

namespace PaperBot.Benchmarks;

/// <summary>The named inputs of the benchmarks, read from the repository.</summary>
internal static class BenchData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The 72 papers of <c>samples/hf-papers-page-sample.txt</c>, read by the product's own parser.</summary>
    public static (string Title, string Abstract)[] SamplePapers() =>
        [.. PaperBot.Core.Ingestion.PaperIngestor
            .Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot, "samples", "hf-papers-page-sample.txt")), "sample", PaperBot.Core.Ingestion.IngestFormat.HfPage)
            .Records.Select(r => (r.Title!, r.Abstract!))];

    /// <summary>The abstracts of the 1,000-record arXiv OAI fixture, whitespace collapsed, read with a forward-only reader.</summary>
    public static string[] ArxivAbstracts()
    {
        var path = Path.Combine(RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "arxiv-oai-arxivraw-1000.xml");
        var abstracts = new List<string>();
        using var reader = XmlReader.Create(path);
        while (reader.ReadToFollowing("abstract", "http://arxiv.org/OAI/arXivRaw/"))
        {
            var value = reader.ReadElementContentAsString();
            abstracts.Add(string.Join(' ', value.Split((char[])['\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)));
        }

        return [.. abstracts];
    }

    public static (string Query, string[] RelevantTitles)[] DevQuestions()
    {
        var path = Path.Combine(RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "dev-questions.jsonl");
        return File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line =>
            {
                using var json = JsonDocument.Parse(line);
                return (
                    json.RootElement.GetProperty("query").GetString()!,
                    json.RootElement.GetProperty("relevant_titles").EnumerateArray().Select(t => t.GetString()!).ToArray());
            })
            .ToArray();
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaperBot.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaperBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository: PaperBot.sln not found.");
    }
}
