using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Ingestion;

namespace PaperBot.Core.Feeds;

/// <summary>How one source's fetch went.</summary>
public enum FeedRunStatus
{
    /// <summary>New content was read and ingested (possibly nothing new in it).</summary>
    Fetched,

    /// <summary>The server answered 304 (or the content is byte-identical): nothing to do.</summary>
    NotModified,

    /// <summary>The source failed; it was skipped and the next run retries from the same cursor.</summary>
    Failed,
}

/// <summary>The outcome of fetching one source.</summary>
public sealed record FeedRunResult(string Source, FeedRunStatus Status, int Added, int Updated, int Unchanged, int Requests, string? Error);

/// <summary>
/// Fetches the configured feed sources and hands what they return to the ingestion (idempotent, one
/// transaction per fetch, embeddings computed). A source whose response is malformed or that keeps failing
/// is logged with its name and skipped, with nothing of it written; the others still run.
/// </summary>
public sealed class FeedFetcher
{
    private readonly FeedOptions _options;
    private readonly IFeedCursorStore _cursors;
    private readonly PaperIngestor _ingestor;
    private readonly IHttpClientFactory _http;
    private readonly ArxivRequestGate _arxivGate;
    private readonly TimeProvider _time;
    private readonly ILogger<FeedFetcher> _logger;

    public FeedFetcher(
        IOptions<FeedOptions> options, IFeedCursorStore cursors, PaperIngestor ingestor, IHttpClientFactory http,
        ArxivRequestGate arxivGate, TimeProvider time, ILogger<FeedFetcher> logger)
    {
        _options = options.Value;
        _cursors = cursors;
        _ingestor = ingestor;
        _http = http;
        _arxivGate = arxivGate;
        _time = time;
        _logger = logger;
    }

    /// <summary>The configured sources.</summary>
    public IReadOnlyList<FeedSourceOptions> Sources => _options.Sources;

    /// <summary>Fetches every enabled source (or only <paramref name="only"/>, enabled or not), one after the other.</summary>
    public async Task<IReadOnlyList<FeedRunResult>> FetchAllAsync(string? only, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        List<FeedSourceOptions> sources;
        if (only is not null)
        {
            sources = [_options.Find(only) ?? throw new UserFacingException(
                $"No feed source is called '{only}'. Configured: {(_options.Sources.Count == 0 ? "none (see Feeds:Sources)" : string.Join(", ", _options.Sources.Select(s => s.Name)))}.")];
        }
        else
        {
            sources = [.. _options.Sources.Where(s => s.Enabled)];
        }

        var results = new List<FeedRunResult>(sources.Count);
        foreach (var source in sources)
        {
            results.Add(await FetchAsync(source, progress, cancellationToken));
        }

        return results;
    }

    /// <summary>Fetches one source; failures are logged, recorded in its cursor and returned, never thrown.</summary>
    public async Task<FeedRunResult> FetchAsync(FeedSourceOptions source, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var started = _time.GetUtcNow();
        await _cursors.RecordAttemptAsync(source.Name, started, cancellationToken);
        var cursor = await _cursors.GetAsync(source.Name, cancellationToken);
        var requests = 0;
        try
        {
            progress?.Report(new IngestProgress(source.Name, "fetching", 0, 0));
            var batch = source.Kind switch
            {
                FeedSourceKind.HfDaily => await FetchHfDailyAsync(source, cursor, () => requests++, cancellationToken),
                FeedSourceKind.Arxiv => await FetchArxivAsync(source, cursor, () => requests++, cancellationToken),
                _ => await FetchUrlAsync(source, cursor, () => requests++, cancellationToken),
            };

            var next = batch.Next with { LastAttempt = started, LastSuccess = _time.GetUtcNow(), LastError = null };
            if (batch.Parsed is null)
            {
                await _cursors.RecordSuccessAsync(next with { LastAdded = 0 }, cancellationToken);
                _logger.NotModified(source.Name, requests);
                return Counted(new FeedRunResult(source.Name, FeedRunStatus.NotModified, 0, 0, 0, requests, null));
            }

            var report = await _ingestor.IngestParsedAsync(source.Name, batch.Parsed, progress, cancellationToken);
            await _cursors.RecordSuccessAsync(next with { LastAdded = report.Added + report.Updated }, cancellationToken);
            _logger.Fetched(source.Name, report.Added, report.Updated, report.Unchanged, requests);
            return Counted(new FeedRunResult(source.Name, FeedRunStatus.Fetched, report.Added, report.Updated, report.Unchanged, requests, null));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = Describe(ex);
            _logger.Failed(source.Name, error);
            _logger.FailureDetails(ex, source.Name);
            await _cursors.RecordFailureAsync(source.Name, error, cancellationToken);
            return Counted(new FeedRunResult(source.Name, FeedRunStatus.Failed, 0, 0, 0, requests, error));
        }
    }

    private sealed record Batch(ParsedInput? Parsed, FeedCursor Next);

    private async Task<Batch> FetchHfDailyAsync(FeedSourceOptions source, FeedCursor cursor, Action counted, CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(FeedHttpClients.HfDaily);
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var earliest = today.AddDays(-(source.MaxDaysBack - 1));
        // The last fetched day is fetched again: papers are added to a day's list during that day.
        var start = DateOnly.TryParseExact(cursor.Position, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last) && last > earliest
            ? last
            : earliest;
        var records = new List<IngestRecord>();
        var skipped = new List<SkippedRecord>();
        var next = cursor with { Position = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
        var anyBody = false;
        for (var day = start; day <= today; day = day.AddDays(1))
        {
            var url = $"{source.ResolvedUrl}?date={day:yyyy-MM-dd}";
            counted();
            var response = await GetAsync(client, url, cursor, cancellationToken);
            if (day == today)
            {
                next = next with { ETag = response.ETag, LastModified = response.LastModified, ValidatorUrl = url };
                if (response.Body is null)
                {
                    next = next with { ETag = cursor.ETag, LastModified = cursor.LastModified };
                }
            }

            if (response.Body is null)
            {
                continue;
            }

            anyBody = true;
            var parsed = PaperIngestor.Parse(response.Body, $"{source.Name} {day:yyyy-MM-dd}", IngestFormat.HfDaily);
            records.AddRange(parsed.Records);
            skipped.AddRange(parsed.Skipped);
        }

        return new Batch(anyBody ? new ParsedInput(IngestFormat.HfDaily, records, skipped) : null, next);
    }

    private async Task<Batch> FetchArxivAsync(FeedSourceOptions source, FeedCursor cursor, Action counted, CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(FeedHttpClients.Arxiv);
        var query = ArxivQuery(source);
        string? lastId = null;
        DateOnly? lastDate = null;
        if (cursor.Position?.Split('|') is [var id, var date])
        {
            lastId = id;
            lastDate = DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        }

        var records = new List<IngestRecord>();
        var next = cursor;
        for (var start = 0; start < source.MaxResults; start += source.PageSize)
        {
            var size = Math.Min(source.PageSize, source.MaxResults - start);
            var url = $"{source.ResolvedUrl}?search_query={Uri.EscapeDataString(query)}&sortBy=submittedDate&sortOrder=descending&start={start}&max_results={size}";
            await _arxivGate.WaitTurnAsync(cancellationToken);
            counted();
            // Only the first page is conditional: it names the newest papers, so 304 there means nothing new.
            var response = await GetAsync(client, url, start == 0 ? cursor : FeedCursor.Empty(source.Name), cancellationToken);
            if (response.Body is null)
            {
                return new Batch(null, cursor);
            }

            var parsed = PaperIngestor.Parse(response.Body, $"{source.Name} page {(start / source.PageSize) + 1}", IngestFormat.ArxivAtom);
            if (start == 0)
            {
                next = cursor with { ETag = response.ETag, LastModified = response.LastModified, ValidatorUrl = url };
                if (parsed.Records.FirstOrDefault(r => r.Id is not null) is { } newest)
                {
                    next = next with { Position = $"{newest.Id}|{newest.Published?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""}" };
                }
            }

            var reachedCursor = false;
            foreach (var record in parsed.Records)
            {
                if ((lastId is not null && record.Id == lastId) || (lastDate is { } ld && record.Published is { } p && p < ld))
                {
                    reachedCursor = true;
                    break;
                }

                records.Add(record);
            }

            if (reachedCursor || parsed.Records.Count < size)
            {
                break;
            }
        }

        return new Batch(new ParsedInput(IngestFormat.ArxivAtom, records, []), next);
    }

    private async Task<Batch> FetchUrlAsync(FeedSourceOptions source, FeedCursor cursor, Action counted, CancellationToken cancellationToken)
    {
        var location = source.ResolvedUrl;
        byte[] body;
        var next = cursor;
        counted();
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            var response = await GetAsync(_http.CreateClient(FeedHttpClients.Url), location, cursor, cancellationToken);
            if (response.Body is null)
            {
                return new Batch(null, cursor);
            }

            body = response.Body;
            next = next with { ETag = response.ETag, LastModified = response.LastModified, ValidatorUrl = location };
        }
        else
        {
            try
            {
                body = await File.ReadAllBytesAsync(location, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IngestException($"{location}: cannot be read ({ex.Message}).", ex);
            }
        }

        // Servers without validators (and files) are compared by content: the same bytes are not parsed again.
        var hash = Convert.ToHexString(SHA256.HashData(body));
        next = next with { Position = hash };
        if (hash == cursor.Position)
        {
            return new Batch(null, next);
        }

        return new Batch(PaperIngestor.Parse(body, location, source.Format), next);
    }

    private sealed record FetchedResponse(byte[]? Body, string? ETag, string? LastModified);

    private static async Task<FetchedResponse> GetAsync(HttpClient client, string url, FeedCursor cursor, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (cursor.ValidatorUrl == url)
        {
            if (cursor.ETag is { } etag)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }

            if (cursor.LastModified is { } modified)
            {
                request.Headers.TryAddWithoutValidation("If-Modified-Since", modified);
            }
        }

        using var response = await client.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return new FetchedResponse(null, cursor.ETag, cursor.LastModified);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new FeedException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {RedactQuery(url)}");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new FetchedResponse(
            body,
            response.Headers.ETag?.ToString(),
            response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));
    }

    internal static string ArxivQuery(FeedSourceOptions source)
    {
        var categories = string.Join(" OR ", source.Categories.Select(c => "cat:" + c.Trim()));
        return (categories.Length > 0, string.IsNullOrWhiteSpace(source.Query)) switch
        {
            (true, true) => categories,
            (true, false) => $"({categories}) AND ({source.Query})",
            _ => source.Query!,
        };
    }

    private static string RedactQuery(string url) => url.Split('?')[0];

    private static FeedRunResult Counted(FeedRunResult result)
    {
        Telemetry.CoreMetrics.FeedFetches.Add(1,
            new KeyValuePair<string, object?>("source", result.Source),
            new KeyValuePair<string, object?>("outcome", result.Status.ToString().ToLowerInvariant()));
        return result;
    }

    private static string Describe(Exception ex) => ex switch
    {
        FeedException or IngestException => ex.Message,
        Polly.Timeout.TimeoutRejectedException => "no answer in time (attempt or total timeout)",
        HttpRequestException http => $"cannot connect ({http.Message})",
        TaskCanceledException => "no answer in time",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}

/// <summary>A feed source answered with an error after the retries.</summary>
public sealed class FeedException : Exception
{
    public FeedException() { }

    public FeedException(string message) : base(message) { }

    public FeedException(string message, Exception innerException) : base(message, innerException) { }
}
