using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Store.Postgres.Tests.Contracts;

/// <summary>
/// Word-based ranking, the same on both stores: BM25 order with title words counting more, prefixes, user text that
/// holds the query syntax of either engine, and the counts and stems that plan queries.
/// </summary>
public abstract class LexicalIndexContract : IAsyncLifetime
{
    private LexicalBackend? _backend;

    private LexicalBackend Backend => _backend ?? throw new SkipException(PostgresServer.SkipReason);

    private ILexicalIndex Index => Backend.Index;

    protected abstract Task<LexicalBackend?> CreateBackendAsync();

    public async Task InitializeAsync()
    {
        _backend = await CreateBackendAsync();
        await (_backend?.AddAsync(
            ("2401.00001", "Graph neural networks for molecules", "Message passing over molecular graphs predicts properties of molecules."),
            ("2401.00002", "A survey of transformers", "Attention models for language. One section treats graph inputs."),
            ("2401.00003", "Protein structure prediction", "Deep learning predicts protein folding from sequences of amino acids."),
            ("2401.00004", "Telecommunications networks", "Scheduling radio resources in cellular networks.")) ?? Task.CompletedTask);
    }

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Search_WordInTitleAndBody_RanksAboveAMentionInTheBody()
    {
        var papers = await SearchPapersAsync(new LexicalTerm("graph", Prefix: false));

        Assert.Equal(["2401.00001", "2401.00002"], papers);
    }

    [SkippableFact]
    public async Task Search_RareWordWithCommonWord_RanksThePaperWithTheRareWordFirst()
    {
        var papers = await SearchPapersAsync(new LexicalTerm("networks", Prefix: false), new LexicalTerm("molecules", Prefix: false));

        Assert.Equal("2401.00001", papers[0]);
        Assert.Equal(["2401.00001", "2401.00004"], papers.Order());
    }

    [SkippableFact]
    public async Task Search_PrefixTerm_MatchesLongerWordsOnlyAsPrefix()
    {
        Assert.Equal(["2401.00004"], await SearchPapersAsync(new LexicalTerm("telecom", Prefix: true)));
        Assert.Empty(await SearchPapersAsync(new LexicalTerm("telecom", Prefix: false)));
    }

    [SkippableFact]
    public async Task Search_Limit_KeepsTheBest()
    {
        var hits = await Index.SearchAsync(new LexicalQuery([new LexicalTerm("graph", Prefix: false)]), 1);

        Assert.Equal("2401.00001", await Backend.PaperOfAsync(Assert.Single(hits).PassageId));
    }

    [SkippableFact]
    public async Task Search_NoTerms_IsEmpty()
    {
        Assert.Empty(await Index.SearchAsync(new LexicalQuery([]), 10));
    }

    [SkippableTheory]
    [InlineData("protein\" OR \"graph")]
    [InlineData("protein' | 'graph")]
    [InlineData("protein:* & !graph")]
    [InlineData("NEAR(protein graph)")]
    [InlineData("protein*")]
    [InlineData("protein\\")]
    [InlineData("'); DROP TABLE passages; --")]
    [InlineData("\"")]
    [InlineData("'")]
    [InlineData("(")]
    [InlineData("<->")]
    public async Task Search_UserTextWithQuerySyntax_IsReadAsWords(string word)
    {
        var hits = await Index.SearchAsync(new LexicalQuery([new LexicalTerm(word, Prefix: true), new LexicalTerm("amino", Prefix: false)]), 10);
        await Index.CountPassagesWithTermsAsync([word]);
        await Index.StemAsync([word]);

        // The syntax is inert: the word never matches the graph papers, and the index still answers afterwards.
        Assert.Contains("2401.00003", await PapersAsync(hits));
        Assert.DoesNotContain("2401.00002", await PapersAsync(hits));
        Assert.Equal(["2401.00003"], await SearchPapersAsync(new LexicalTerm("amino", Prefix: false)));
    }

    [SkippableFact]
    public async Task CountPassagesWithTerms_Words_CountsPassagesHoldingEachAsPrefix()
    {
        var counts = await Index.CountPassagesWithTermsAsync(["graph", "network", "predict", "zebra"]);

        Assert.Equal(4, counts.Passages);
        Assert.Equal([2L, 2L, 2L, 0L], counts.Counts);
    }

    [SkippableFact]
    public async Task CountPassagesWithTerms_AfterRemovingAPaper_CountsWithoutIt()
    {
        await Backend.RemoveAsync("2401.00001");

        var counts = await Index.CountPassagesWithTermsAsync(["graph"]);

        Assert.Equal((3L, 1L), (counts.Passages, counts.Counts[0]));
        Assert.Equal(["2401.00002"], await SearchPapersAsync(new LexicalTerm("graph", Prefix: false)));
    }

    [SkippableFact]
    public async Task Search_AfterAPaperChangesItsAbstract_FindsTheNewWordsNotTheOld()
    {
        await Backend.UpdateAbstractAsync("2401.00003", "Protein structure prediction", "Diffusion models generate backbones of enzymes.");

        Assert.Empty(await SearchPapersAsync(new LexicalTerm("amino", Prefix: false)));
        Assert.Equal(["2401.00003"], await SearchPapersAsync(new LexicalTerm("enzymes", Prefix: false)));
        Assert.Equal(4, (await Index.CountPassagesWithTermsAsync(["enzyme"])).Passages);
    }

    [SkippableFact]
    public async Task Stem_Words_AreTheStemsTheVocabularyCounts()
    {
        var stems = await Index.StemAsync(["networks", "predicts", "zebras"]);
        var vocabulary = await Index.ReadVocabularyAsync();

        Assert.Equal(["networks", "predicts", "zebras"], stems.Select(s => s.Word));
        Assert.Equal(2, vocabulary[stems[0].Stem]);
        Assert.Equal(2, vocabulary[stems[1].Stem]);
        Assert.False(vocabulary.ContainsKey(stems[2].Stem));
        Assert.StartsWith("network", stems[0].Stem, StringComparison.Ordinal);
    }

    private async Task<List<string>> SearchPapersAsync(params LexicalTerm[] terms) =>
        await PapersAsync(await Index.SearchAsync(new LexicalQuery(terms), 10));

    private async Task<List<string>> PapersAsync(IReadOnlyList<(long PassageId, double Score)> hits)
    {
        var papers = new List<string>();
        foreach (var (passageId, _) in hits)
        {
            var paper = await Backend.PaperOfAsync(passageId);
            if (!papers.Contains(paper))
            {
                papers.Add(paper);
            }
        }

        return papers;
    }

    /// <summary>The SQLite lexical index.</summary>
    protected static Task<LexicalBackend?> Sqlite() => Task.FromResult<LexicalBackend?>(new SqliteLexicalBackend());

    /// <summary>The PostgreSQL lexical index, or null (the tests skip) when no server is configured outside CI.</summary>
    protected static async Task<LexicalBackend?> Postgres() =>
        PostgresServer.ConnectionString is null && !PostgresServer.Required ? null : await PostgresLexicalBackend.CreateAsync();
}

/// <summary>A library holding papers (title + abstract, one passage each) and its lexical index.</summary>
public abstract class LexicalBackend : IAsyncDisposable
{
    public abstract ILexicalIndex Index { get; }

    public abstract Task AddAsync(params (string Id, string Title, string Abstract)[] papers);

    public abstract Task RemoveAsync(string paperId);

    /// <summary>The paper's abstract (<paramref name="summary"/>, and so its first passage) replaced.</summary>
    public abstract Task UpdateAbstractAsync(string paperId, string title, string summary);

    public abstract Task<string> PaperOfAsync(long passageId);

    public abstract ValueTask DisposeAsync();
}

/// <summary>Papers ingested into a SQLite library file the way the product ingests them.</summary>
public sealed class SqliteLexicalBackend : LexicalBackend
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-lexical-tests", Guid.NewGuid().ToString("N"));
    private readonly LibraryStore _library;
    private readonly PassageEmbedder _embedder;
    private readonly PaperIngestor _ingestor;

    public SqliteLexicalBackend()
    {
        Directory.CreateDirectory(_folder);
        _library = new LibraryStore(Options.Create(new LibraryOptions { Path = Path.Combine(_folder, "library.db") }), TimeProvider.System, NullLogger<LibraryStore>.Instance);
        _embedder = new PassageEmbedder(new HashingEmbeddingGenerator(), new SqlitePassageStore(_library), NullLogger<PassageEmbedder>.Instance);
        _ingestor = new PaperIngestor(new SqlitePaperStore(_library), _embedder, new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<PaperIngestor>.Instance);
        Index = new SqliteLexicalIndex(_library);
    }

    public override ILexicalIndex Index { get; }

    public override async Task AddAsync(params (string Id, string Title, string Abstract)[] papers)
    {
        var file = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".jsonl");
        await File.WriteAllLinesAsync(file, papers.Select(p => JsonSerializer.Serialize(new { id = p.Id, title = p.Title, @abstract = p.Abstract })));
        await _ingestor.IngestAsync(file);
    }

    public override async Task RemoveAsync(string paperId) => await new SqlitePaperStore(_library).RemoveAsync(paperId);

    public override Task UpdateAbstractAsync(string paperId, string title, string summary) => AddAsync((paperId, title, summary));

    public override async Task<string> PaperOfAsync(long passageId) =>
        (await new SqlitePassageStore(_library).GetAsync(passageId))?.PaperId ?? throw new InvalidOperationException($"No passage {passageId}.");

    public override ValueTask DisposeAsync()
    {
        _embedder.Dispose();
        _library.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle can outlive the test; the temp folder is cleaned by the OS.
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Papers written straight into the PostgreSQL tables (chunk 0 is title + blank line + abstract, as the chunker cuts
/// it): the lexical index must work whatever writes the passages, since its trigger indexes them.
/// </summary>
public sealed class PostgresLexicalBackend : LexicalBackend
{
    private readonly TestDatabase _database;
    private readonly PostgresLibrary _library;

    private PostgresLexicalBackend(TestDatabase database)
    {
        _database = database;
        _library = new PostgresLibrary(database.ConnectionString, NullLogger<PostgresLibrary>.Instance);
        Index = new PostgresLexicalIndex(_library);
    }

    public static async Task<PostgresLexicalBackend> CreateAsync() => new(await PostgresServer.CreateDatabaseAsync());

    public override ILexicalIndex Index { get; }

    public override async Task AddAsync(params (string Id, string Title, string Abstract)[] papers)
    {
        await using var connection = await _library.OpenAsync(CancellationToken.None);
        foreach (var (id, title, @abstract) in papers)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO papers (id, title, authors, abstract, categories, added_at, updated_at, content_hash)
                VALUES (@id, @title, '', @abstract, '', now(), now(), '');
                INSERT INTO passages (paper_id, chunk, text) VALUES (@id, 0, @text);
                """, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("title", title);
            command.Parameters.AddWithValue("abstract", @abstract);
            command.Parameters.AddWithValue("text", $"{title}\n\n{@abstract}");
            await command.ExecuteNonQueryAsync();
        }
    }

    public override async Task RemoveAsync(string paperId)
    {
        await using var connection = await _library.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("DELETE FROM papers WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", paperId);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task UpdateAbstractAsync(string paperId, string title, string summary)
    {
        await using var connection = await _library.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("""
            UPDATE papers SET abstract = @abstract WHERE id = @id;
            UPDATE passages SET text = @text WHERE paper_id = @id AND chunk = 0;
            """, connection);
        command.Parameters.AddWithValue("id", paperId);
        command.Parameters.AddWithValue("abstract", summary);
        command.Parameters.AddWithValue("text", $"{title}\n\n{summary}");
        await command.ExecuteNonQueryAsync();
    }

    public override async Task<string> PaperOfAsync(long passageId)
    {
        await using var connection = await _library.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT paper_id FROM passages WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", passageId);
        return (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No passage {passageId}.");
    }

    public override async ValueTask DisposeAsync()
    {
        await _library.DisposeAsync();
        await _database.DisposeAsync();
    }
}

public sealed class SqliteLexicalIndexTests : LexicalIndexContract
{
    protected override Task<LexicalBackend?> CreateBackendAsync() => Sqlite();
}

public sealed class PostgresLexicalIndexTests : LexicalIndexContract
{
    protected override Task<LexicalBackend?> CreateBackendAsync() => Postgres();
}
