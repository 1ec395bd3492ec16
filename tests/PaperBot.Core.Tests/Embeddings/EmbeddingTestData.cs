using System.Text.Json;
using System.Xml.Linq;

namespace PaperBot.Core.Tests.Embeddings;

/// <summary>Real texts from the repository's sample collection and fixtures.</summary>
internal static class EmbeddingTestData
{
    private static readonly Lazy<IReadOnlyList<(string Title, string Abstract)>> s_samplePapers = new(LoadSamplePapers);

    public static IReadOnlyList<(string Title, string Abstract)> SamplePapers => s_samplePapers.Value;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Physics and maths abstracts from the arXiv OAI fixture: unrelated to the ML sample papers.</summary>
    public static IReadOnlyList<string> ArxivAbstracts(int count)
    {
        var path = Path.Combine(RepositoryRoot, "tests", "PaperBot.Core.Tests", "Fixtures", "arxiv-oai-arxivraw-1000.xml");
        return XDocument.Load(path).Descendants()
            .Where(e => e.Name.LocalName == "abstract")
            .Select(e => string.Join(' ', e.Value.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries)))
            .Take(count)
            .ToArray();
    }

    public static IReadOnlyList<(string Query, string[] RelevantTitles)> DevQuestions()
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

    // The product's own parser reads the sample page, so the tests embed exactly what ingestion stores.
    private static (string Title, string Abstract)[] LoadSamplePapers() =>
        [.. PaperBot.Core.Ingestion.PaperIngestor
            .Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot, "samples", "hf-papers-page-sample.txt")), "sample", PaperBot.Core.Ingestion.IngestFormat.HfPage)
            .Records.Select(r => (r.Title!, r.Abstract!))];

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaperBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PaperBot.sln not found above " + AppContext.BaseDirectory);
    }
}
