using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.Core.Ingestion;

/// <summary>What one ingested input did to the library.</summary>
public sealed record IngestReport(
    string Source,
    IngestFormat Format,
    int Added,
    int Updated,
    int Unchanged,
    IReadOnlyList<SkippedRecord> Skipped)
{
    /// <summary>Records read from the input, skipped ones included.</summary>
    public int Read => Added + Updated + Unchanged + Skipped.Count;
}

/// <summary>Progress of one input: a stage ("reading", "embedding", "saving") and a count.</summary>
public sealed record IngestProgress(string Source, string Stage, int Done, int Total);

/// <summary>
/// Ingests papers from files and URLs. Idempotent: the same input twice adds nothing; a newer version of a
/// paper (higher arXiv version, or changed content) updates it in place, keeping when it was added.
/// Each input is one transaction: it goes in whole or not at all.
/// </summary>
public sealed class PaperIngestor
{
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromSeconds(60);

    private readonly LibraryStore _store;
    private readonly PassageEmbedder _embedder;
    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<PaperIngestor> _logger;

    public PaperIngestor(LibraryStore store, PassageEmbedder embedder, TimeProvider time, ILogger<PaperIngestor> logger, IHttpClientFactory? httpClientFactory = null)
    {
        _store = store;
        _embedder = embedder;
        _time = time;
        _logger = logger;
        _httpClientFactory = httpClientFactory;
    }

    /// <summary>Ingests one file path or http(s) URL. Throws <see cref="IngestException"/> when the input cannot be read at all.</summary>
    public async Task<IngestReport> IngestAsync(string source, IngestFormat format = IngestFormat.Auto, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        progress?.Report(new IngestProgress(source, "reading", 0, 0));
        var bytes = await ReadSourceAsync(source, cancellationToken);
        var parsed = Parse(bytes, source, format);
        return await StoreAsync(source, parsed, progress, cancellationToken);
    }

    /// <summary>Stores records already read and parsed (the feeds validate every page before writing any).</summary>
    internal Task<IngestReport> IngestParsedAsync(string source, ParsedInput parsed, IProgress<IngestProgress>? progress, CancellationToken cancellationToken) =>
        StoreAsync(source, parsed, progress, cancellationToken);

    internal static ParsedInput Parse(byte[] bytes, string name, IngestFormat format)
    {
        if (format == IngestFormat.Auto)
        {
            format = FormatDetector.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 4096)), name);
        }

        if (format == IngestFormat.Pdf)
        {
            return PdfParser.Parse(bytes, name);
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            throw new IngestException($"{name}: byte {ex.Index + 1}: not UTF-8 text; for a PDF pass --format pdf.", ex);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new IngestException($"{name}: the input is empty.");
        }

        return format switch
        {
            IngestFormat.HfPage => HfPageParser.Parse(text, name),
            IngestFormat.HfDaily => HfDailyParser.Parse(text, name),
            IngestFormat.ArxivAtom => ArxivXmlParser.ParseAtom(text, name),
            IngestFormat.ArxivOai => ArxivXmlParser.ParseOai(text, name),
            IngestFormat.Jsonl => JsonlParser.Parse(text, name),
            _ => throw new IngestException($"{name}: unknown format {format}."),
        };
    }

    private async Task<byte[]> ReadSourceAsync(string source, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            using var client = _httpClientFactory?.CreateClient(nameof(PaperIngestor)) ?? new HttpClient();
            client.Timeout = DownloadTimeout;
            try
            {
                using var response = await client.GetAsync(uri, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new IngestException($"{source}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}; nothing was added.");
                }

                return await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new IngestException($"{source}: cannot be read ({ex.Message}); nothing was added.", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IngestException($"{source}: no answer within {DownloadTimeout.TotalSeconds:0} s; nothing was added.", ex);
            }
        }

        try
        {
            return await File.ReadAllBytesAsync(source, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new IngestException($"{source}: no such file.", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new IngestException($"{source}: cannot be read ({ex.Message}).", ex);
        }
    }

    internal async Task<IngestReport> StoreAsync(string source, ParsedInput parsed, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRecord>(parsed.Skipped);
        var now = _time.GetUtcNow();
        var incoming = new Dictionary<string, (Paper Paper, string Hash)>(StringComparer.Ordinal);
        foreach (var record in parsed.Records)
        {
            if (Validate(record) is { } reason)
            {
                skipped.Add(new SkippedRecord(record.Position, reason));
                continue;
            }

            var paper = ToPaper(record, now);
            // Within one input the highest version of a paper wins.
            if (!incoming.TryGetValue(paper.Id, out var seen) || paper.Version >= seen.Paper.Version)
            {
                incoming[paper.Id] = (paper, ContentHash(paper));
            }
        }

        await _embedder.EnsureCurrentAsync(null, cancellationToken);
        await using var connection = await _store.OpenAsync(cancellationToken);

        // A first look outside the write lock decides what to embed (slow, so not under the lock). Another
        // ingest may write the same papers meanwhile, so the decision is taken again inside the transaction.
        var planned = PlanWrites(incoming, await ReadExistingAsync(connection, null, incoming.Keys, cancellationToken));
        var passages = planned.ToWrite.SelectMany(w => PassageChunker.Chunk(w.Paper)).ToList();
        var vectors = await _embedder.EmbedAsync(
            [.. passages.Select(p => p.Text)],
            new InlineProgress<int>(done => progress?.Report(new IngestProgress(source, "embedding", done, passages.Count))),
            cancellationToken);
        var vectorsByPaper = passages.Select((p, i) => (Passage: p, Vector: vectors[i])).ToLookup(x => x.Passage.PaperId, StringComparer.Ordinal);

        progress?.Report(new IngestProgress(source, "saving", 0, planned.ToWrite.Count));
        WritePlan final;
        // BEGIN IMMEDIATE: the write lock is taken before the re-read, so no other writer can slip in between.
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            final = PlanWrites(incoming, await ReadExistingAsync(connection, transaction, incoming.Keys, cancellationToken));
            var plannedIds = planned.ToWrite.Select(w => w.Paper.Id).ToHashSet(StringComparer.Ordinal);

            // A paper that the first look found unchanged but someone changed since is left as they wrote it:
            // it has no vectors here, and the other writer's state is at least as new as when we looked.
            var writes = final.ToWrite.Where(w => plannedIds.Contains(w.Paper.Id)).ToList();
            var skippedLate = final.ToWrite.Count - writes.Count;
            final = final with { ToWrite = writes, Unchanged = final.Unchanged + skippedLate };

            foreach (var (paper, hash, isUpdate) in writes)
            {
                if (isUpdate)
                {
                    await LibraryStore.DeletePaperAsync(connection, transaction, paper.Id, cancellationToken);
                }

                await InsertPaperAsync(connection, transaction, paper, hash, now, cancellationToken);
            }

            var written = writes.Select(w => w.Paper.Id).ToHashSet(StringComparer.Ordinal);
            var writtenPassages = passages.Where(p => written.Contains(p.PaperId)).ToList();
            var writtenVectors = writtenPassages.Select(p => vectorsByPaper[p.PaperId].First(x => x.Passage.ChunkIndex == p.ChunkIndex).Vector).ToArray();
            await InsertPassagesAsync(connection, transaction, writes.ToDictionary(w => w.Paper.Id, w => w.Paper.Title), writtenPassages, writtenVectors, cancellationToken);
            if (writes.Count > 0)
            {
                await _embedder.SetModelAsync(connection, transaction, cancellationToken);
                await LibraryStore.BumpGenerationAsync(connection, transaction, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var toWrite = final.ToWrite;
        var unchanged = final.Unchanged;
        var report = new IngestReport(source, parsed.Format, toWrite.Count(w => !w.IsUpdate), toWrite.Count(w => w.IsUpdate), unchanged, skipped);
        _logger.LogInformation(
            "Ingested {Source} ({Format}): {Added} added, {Updated} updated, {Unchanged} unchanged, {Skipped} skipped",
            source, report.Format, report.Added, report.Updated, report.Unchanged, report.Skipped.Count);
        progress?.Report(new IngestProgress(source, "done", toWrite.Count, toWrite.Count));
        return report;
    }

    private static string? Validate(IngestRecord record)
    {
        if (string.IsNullOrWhiteSpace(record.Title))
        {
            return "no title";
        }

        if (string.IsNullOrWhiteSpace(record.Abstract) && string.IsNullOrWhiteSpace(record.FullText))
        {
            return "empty abstract";
        }

        return null;
    }

    private static Paper ToPaper(IngestRecord record, DateTimeOffset now)
    {
        var title = PaperIds.NormalizeWhitespace(record.Title!);
        string id;
        var version = record.Version;
        if (PaperIds.TryParseArxiv(record.Id, out var arxivId, out var idVersion))
        {
            id = arxivId;
            version = Math.Max(version, idVersion);
        }
        else
        {
            id = string.IsNullOrWhiteSpace(record.Id) ? PaperIds.SlugFromTitle(title) : PaperIds.NormalizeWhitespace(record.Id);
        }

        var abstractText = PaperIds.NormalizeWhitespace(record.Abstract ?? "");
        return new Paper(
            id,
            title,
            record.Authors,
            abstractText,
            record.Published,
            record.Categories,
            record.SourceUrl ?? (PaperIds.IsArxivId(id) ? $"https://arxiv.org/abs/{id}" : null),
            record.FullText,
            now,
            version);
    }

    private static string ContentHash(Paper paper)
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            paper.Title, paper.Authors, paper.Abstract, paper.Published?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            paper.Categories, paper.SourceUrl, paper.FullText, paper.Version,
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private sealed record WritePlan(List<(Paper Paper, string Hash, bool IsUpdate)> ToWrite, int Unchanged);

    private static WritePlan PlanWrites(
        Dictionary<string, (Paper Paper, string Hash)> incoming,
        Dictionary<string, (string Hash, int Version, DateTimeOffset AddedAt)> existing)
    {
        var toWrite = new List<(Paper Paper, string Hash, bool IsUpdate)>();
        var unchanged = 0;
        foreach (var (id, (paper, hash)) in incoming)
        {
            if (!existing.TryGetValue(id, out var old))
            {
                toWrite.Add((paper, hash, false));
            }
            else if (old.Hash == hash || paper.Version < old.Version)
            {
                unchanged++;
            }
            else
            {
                toWrite.Add((paper with { AddedAt = old.AddedAt }, hash, true));
            }
        }

        return new WritePlan(toWrite, unchanged);
    }

    private static async Task<Dictionary<string, (string Hash, int Version, DateTimeOffset AddedAt)>> ReadExistingAsync(
        SqliteConnection connection, SqliteTransaction? transaction, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string, int, DateTimeOffset)>(StringComparer.Ordinal);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT content_hash, version, added_at FROM papers WHERE id = $id";
        var parameter = command.Parameters.Add("$id", SqliteType.Text);
        foreach (var id in ids)
        {
            parameter.Value = id;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                result[id] = (reader.GetString(0), reader.GetInt32(1), LibraryStore.ParseInstant(reader.GetString(2)));
            }
        }

        return result;
    }

    private static async Task InsertPaperAsync(SqliteConnection connection, SqliteTransaction transaction, Paper paper, string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
            VALUES ($id, $title, $authors, $abstract, $published, $categories, $url, $full, $added, $updated, $version, $hash)
            """;
        command.Parameters.AddWithValue("$id", paper.Id);
        command.Parameters.AddWithValue("$title", paper.Title);
        command.Parameters.AddWithValue("$authors", JsonSerializer.Serialize(paper.Authors));
        command.Parameters.AddWithValue("$abstract", paper.Abstract);
        command.Parameters.AddWithValue("$published", (object?)paper.Published?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? DBNull.Value);
        command.Parameters.AddWithValue("$categories", JsonSerializer.Serialize(paper.Categories));
        command.Parameters.AddWithValue("$url", (object?)paper.SourceUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("$full", (object?)paper.FullText ?? DBNull.Value);
        command.Parameters.AddWithValue("$added", LibraryStore.FormatInstant(paper.AddedAt));
        command.Parameters.AddWithValue("$updated", LibraryStore.FormatInstant(now));
        command.Parameters.AddWithValue("$version", paper.Version);
        command.Parameters.AddWithValue("$hash", hash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertPassagesAsync(
        SqliteConnection connection, SqliteTransaction transaction, Dictionary<string, string> titles,
        List<Passage> passages, float[][] vectors, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO passages (paper_id, chunk, text, embedding) VALUES ($paper, $chunk, $text, $embedding);
            INSERT INTO passages_fts (rowid, title, body) VALUES (last_insert_rowid(), $title, $body);
            """;
        var paper = insert.Parameters.Add("$paper", SqliteType.Text);
        var chunk = insert.Parameters.Add("$chunk", SqliteType.Integer);
        var text = insert.Parameters.Add("$text", SqliteType.Text);
        var embedding = insert.Parameters.Add("$embedding", SqliteType.Blob);
        var title = insert.Parameters.Add("$title", SqliteType.Text);
        var body = insert.Parameters.Add("$body", SqliteType.Text);
        for (var i = 0; i < passages.Count; i++)
        {
            var p = passages[i];
            paper.Value = p.PaperId;
            chunk.Value = p.ChunkIndex;
            text.Value = p.Text;
            embedding.Value = PassageEmbedder.ToBlob(vectors[i]);
            // Chunk 0 starts with the title; index it in the title column only, so BM25 weights it once.
            title.Value = p.ChunkIndex == 0 ? titles[p.PaperId] : "";
            body.Value = p.ChunkIndex == 0 ? p.Text[(titles[p.PaperId].Length)..].TrimStart() : p.Text;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
