using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    private readonly IPaperStore _store;
    private readonly PassageEmbedder _embedder;
    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<PaperIngestor> _logger;

    public PaperIngestor(IPaperStore store, PassageEmbedder embedder, TimeProvider time, ILogger<PaperIngestor> logger, IHttpClientFactory? httpClientFactory = null)
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

        // What the library holds now only chooses what to embed ahead (slow, so not under the write lock); the
        // store decides each paper again under its write lock, and one that needs writing but was not embedded
        // here (another writer changed it meanwhile) is stored without vectors and embedded right after.
        var stored = await _store.GetVersionsAsync(incoming.Keys, cancellationToken);
        var upserts = incoming.Values
            .Select(x => new PaperUpsert(x.Paper, x.Hash, PassageChunker.Chunk(x.Paper), null))
            .ToList();
        var toEmbed = upserts.Where(u => PaperUpsertRule.ShouldWrite(stored.GetValueOrDefault(u.Paper.Id), u)).ToList();
        var texts = toEmbed.SelectMany(u => u.Passages).Select(p => p.Text).ToList();
        var vectors = await _embedder.EmbedAsync(
            texts,
            new InlineProgress<int>(done => progress?.Report(new IngestProgress(source, "embedding", done, texts.Count))),
            cancellationToken);
        var embedded = new Dictionary<string, float[][]>(StringComparer.Ordinal);
        var next = 0;
        foreach (var upsert in toEmbed)
        {
            embedded[upsert.Paper.Id] = vectors[next..(next + upsert.Passages.Count)];
            next += upsert.Passages.Count;
        }

        upserts = [.. upserts.Select(u => embedded.TryGetValue(u.Paper.Id, out var v) ? u with { Vectors = v } : u)];
        progress?.Report(new IngestProgress(source, "saving", 0, toEmbed.Count));
        var result = await _store.UpsertAsync(upserts, _embedder.ModelId, cancellationToken);
        if (result.PassagesWithoutVectors > 0)
        {
            await _embedder.EnsureCurrentAsync(null, cancellationToken);
        }

        var written = result.Added.Count + result.Updated.Count;
        var report = new IngestReport(source, parsed.Format, result.Added.Count, result.Updated.Count, result.Unchanged, skipped);
        _logger.LogInformation(
            "Ingested {Source} ({Format}): {Added} added, {Updated} updated, {Unchanged} unchanged, {Skipped} skipped",
            source, report.Format, report.Added, report.Updated, report.Unchanged, report.Skipped.Count);
        progress?.Report(new IngestProgress(source, "done", written, written));
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
}
