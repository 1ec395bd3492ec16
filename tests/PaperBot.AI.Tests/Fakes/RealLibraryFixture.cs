using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using Microsoft.SemanticKernel;
using PaperBot.AI.Assistant;
using PaperBot.AI.Extractive;
using PaperBot.AI.Grounding;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Prompts;
using PaperBot.Core.Embeddings;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.AI.Tests.Fakes;

/// <summary>
/// Core's real library (SQLite in a temp folder), local embedding model and hybrid search, seeded with
/// the sample collection once per test class.
/// </summary>
public sealed class RealLibraryFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-ai-tests", Guid.NewGuid().ToString("N"));
    private LibraryStore _store = null!;
    private PassageEmbedder _embedder = null!;
    private HybridSearch _search = null!;

    internal LocalEmbeddingGenerator Model { get; private set; } = null!;

    internal IResearchLibrary Library { get; private set; } = null!;

    /// <summary>The real assistant over this library with no model endpoint (extractive answers, real abstaining).</summary>
    internal PaperAssistant CreateExtractiveAssistant()
    {
        var options = Options.Create(new AiOptions());
        var gateway = new ModelGateway(new Kernel(), PromptLibrary.Load("prompts"), new ModelCircuit(), options, NullLogger<ModelGateway>.Instance);
        return new PaperAssistant(
            Library,
            gateway,
            new PassagePacker(TiktokenTokenizer.CreateForModel("gpt-4o")),
            new CitationPostProcessor(NullLogger<CitationPostProcessor>.Instance),
            new ExtractiveComposer(Model),
            options,
            NullLogger<PaperAssistant>.Instance);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        Model = new LocalEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<LocalEmbeddingGenerator>.Instance);
        _store = new LibraryStore(Options.Create(new LibraryOptions { Path = Path.Combine(_folder, "library.db") }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        var papers = new SqlitePaperStore(_store);
        var passages = new SqlitePassageStore(_store);
        var lexical = new SqliteLexicalIndex(_store);
        _embedder = new PassageEmbedder(Model, passages, NullLogger<PassageEmbedder>.Instance);
        var ingestor = new PaperIngestor(papers, _embedder, TimeProvider.System, NullLogger<PaperIngestor>.Instance);
        await ingestor.IngestAsync(Path.Combine(AppContext.BaseDirectory, "samples", "hf-papers-page-sample.txt"), IngestFormat.HfPage);
        _search = new HybridSearch(papers, passages, lexical, _embedder, Options.Create(new SearchOptions()), NullLogger<HybridSearch>.Instance);
        Library = new CoreResearchLibrary(papers, new SqliteSummaryCache(_store, NullLogger<SqliteSummaryCache>.Instance), lexical, _search);
    }

    public Task DisposeAsync()
    {
        _search.Dispose();
        _embedder.Dispose();
        _store.Dispose();
        Model.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle can outlive the test; the OS cleans the temp folder.
        }

        return Task.CompletedTask;
    }
}
