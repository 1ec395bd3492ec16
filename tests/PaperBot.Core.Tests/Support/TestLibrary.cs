using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Core.Tests.Support;

/// <summary>
/// A real library: a SQLite file in a temporary folder, the real local embedding model (loaded once for
/// the whole test run), real ingestion and search.
/// </summary>
public sealed class TestLibrary : IDisposable
{
    private static readonly Lazy<LocalEmbeddingGenerator> SharedModel = new(() =>
        new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance));

    private readonly string _folder;

    public TestLibrary(IEmbeddingGenerator<string, Embedding<float>>? generator = null, SearchOptions? searchOptions = null)
    {
        _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "paperbot-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "library.db");
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        Store = new LibraryStore(Options.Create(new LibraryOptions { Path = Path }), Time, NullLogger<LibraryStore>.Instance);
        Papers = new SqlitePaperStore(Store);
        Passages = new SqlitePassageStore(Store);
        Lexical = new SqliteLexicalIndex(Store);
        Summaries = new SqliteSummaryCache(Store, NullLogger<SqliteSummaryCache>.Instance);
        Embedder = new PassageEmbedder(generator ?? SharedModel.Value, Passages, NullLogger<PassageEmbedder>.Instance);
        Ingestor = new PaperIngestor(Papers, Embedder, Time, NullLogger<PaperIngestor>.Instance);
        Search = CreateSearch(searchOptions);
    }

    public static IEmbeddingGenerator<string, Embedding<float>> Model => SharedModel.Value;

    public string Path { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The SQLite file the stores below share (the digest, feed and conversation stores take it too).</summary>
    public LibraryStore Store { get; }

    public IPaperStore Papers { get; }

    public IPassageStore Passages { get; }

    public ILexicalIndex Lexical { get; }

    public ISummaryCache Summaries { get; }

    public PassageEmbedder Embedder { get; }

    public PaperIngestor Ingestor { get; }

    public HybridSearch Search { get; }

    /// <summary>A second search over this library, as a restarted process would have (the caller disposes it).</summary>
    public HybridSearch CreateSearch(SearchOptions? options = null, PassageEmbedder? embedder = null) =>
        new(Papers, Passages, Lexical, embedder ?? Embedder, Options.Create(options ?? new SearchOptions()), NullLogger<HybridSearch>.Instance);

    /// <summary>Writes a file into the test folder and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = System.IO.Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        Search.Dispose();
        Embedder.Dispose();
        Store.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle can outlive the test on some runners; the temp folder is cleaned by the OS.
        }
    }
}
