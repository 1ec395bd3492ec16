using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Conversations;
using PaperBot.Core.Digests;
using PaperBot.Core.Feeds;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Usage;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>The stores of one process: each <see cref="StoreBackend.OpenProcess"/> has its own connection pool.</summary>
public sealed record StoreSet(
    IDigestStore Digests, IFeedCursorStore Cursors, IFeedLease Lease, IAnswerStore Answers, IConversationStore Conversations, IUsageStore Usage);

/// <summary>The paper stores of one process (papers, passages and vectors, summaries, and the papers digests read).</summary>
public sealed record PaperStoreSet(IPaperStore Papers, IPassageStore Passages, ISummaryCache Summaries, IDigestPaperSource DigestPapers);

/// <summary>One database (and a folder for the SQLite library file and each process's index files) for one test.</summary>
public abstract class StoreBackend : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-store-tests", Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _owned = [];

    protected StoreBackend()
    {
        Directory.CreateDirectory(_folder);
        LibraryPath = Path.Combine(_folder, "library.db");
    }

    /// <summary>The SQLite library file: with the SQLite backend every store.</summary>
    public string LibraryPath { get; }

    /// <summary>A folder for this test's files.</summary>
    public string Folder => _folder;

    /// <summary>A new process on the same database.</summary>
    public abstract StoreSet OpenProcess();

    /// <summary>The paper stores of a new process on the same database.</summary>
    public abstract PaperStoreSet OpenPaperProcess();

    /// <summary>Ingests papers (title + abstract) into the library; returns their ids in arrival order.</summary>
    public Task<IReadOnlyList<string>> AddPapersAsync(params (string Id, string Title)[] papers) => AddPapersAsync(OpenPaperProcess(), papers);

    /// <summary>Ingests papers (title + abstract) through one process's stores, embedded with the hashing model.</summary>
    public async Task<IReadOnlyList<string>> AddPapersAsync(PaperStoreSet stores, params (string Id, string Title)[] papers)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var embedder = Own(new PassageEmbedder(new HashingEmbeddingGenerator(), stores.Passages, NullLogger<PassageEmbedder>.Instance));
        var ingestor = new PaperIngestor(stores.Papers, embedder, new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<PaperIngestor>.Instance);
        var file = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".jsonl");
        await File.WriteAllLinesAsync(file, papers.Select(p =>
            $$"""{"id": "{{p.Id}}", "title": "{{p.Title}}", "abstract": "A study of {{p.Title}}."}"""));
        await ingestor.IngestAsync(file);
        return [.. papers.Select(p => p.Id)];
    }

    /// <summary>A new connection pool on the SQLite library file.</summary>
    public LibraryStore OpenLibrary() =>
        Own(new LibraryStore(Options.Create(new LibraryOptions { Path = LibraryPath }), TimeProvider.System, NullLogger<LibraryStore>.Instance));

    protected T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public virtual ValueTask DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_owned))
        {
            item.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle can outlive the test; the temp folder is cleaned by the OS.
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Everything in the SQLite library file (the default provider).</summary>
public sealed class SqliteBackend : StoreBackend
{
    public override StoreSet OpenProcess()
    {
        var library = OpenLibrary();
        return new StoreSet(
            new SqliteDigestStore(library), new SqliteFeedCursorStore(library), new SqliteFeedLease(library),
            new SqliteAnswerStore(library), new SqliteConversationStore(library), new SqliteUsageStore(library));
    }

    public override PaperStoreSet OpenPaperProcess()
    {
        var library = OpenLibrary();
        return new PaperStoreSet(
            new SqlitePaperStore(library), new SqlitePassageStore(library), new SqliteSummaryCache(library, NullLogger<SqliteSummaryCache>.Instance),
            new SqliteDigestStore(library));
    }
}

/// <summary>Every store in a throwaway PostgreSQL database; each process keeps its index files in its own folder.</summary>
public sealed class PostgresBackend : StoreBackend
{
    private readonly TestDatabase _database;

    private PostgresBackend(TestDatabase database) => _database = database;

    public static async Task<PostgresBackend> CreateAsync() => new(await PostgresServer.CreateDatabaseAsync());

    public override StoreSet OpenProcess()
    {
        var postgres = Own(new PostgresLibrary(_database.ConnectionString, NullLogger<PostgresLibrary>.Instance));
        var papers = new PostgresPaperStore(postgres, TimeProvider.System);
        return new StoreSet(
            new PostgresDigestStore(postgres, papers), new PostgresFeedCursorStore(postgres), new PostgresFeedLease(postgres),
            new PostgresAnswerStore(postgres), new PostgresConversationStore(postgres), new PostgresUsageStore(postgres));
    }

    public override PaperStoreSet OpenPaperProcess()
    {
        var postgres = Own(new PostgresLibrary(_database.ConnectionString, NullLogger<PostgresLibrary>.Instance));
        var papers = new PostgresPaperStore(postgres, TimeProvider.System);
        var indexFiles = Path.Combine(Folder, "process-" + Guid.NewGuid().ToString("N")[..8]);
        return new PaperStoreSet(
            papers, new PostgresPassageStore(postgres, TimeProvider.System, indexFiles),
            new PostgresSummaryCache(postgres, TimeProvider.System, NullLogger<PostgresSummaryCache>.Instance), papers);
    }

    /// <summary>The database's connection string.</summary>
    internal string ConnectionString => _database.ConnectionString;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DisposeAsync();
    }
}
