using System.Web;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Feeds;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Core.Tests.Feeds;

public sealed class FeedFetcherTests : IDisposable
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private readonly TestLibrary _library = new();
    private readonly FakeFeedServer _server = new();
    private readonly string _hfDaily = File.ReadAllText(TestData.Fixture("hf-daily-papers-api.json"));
    private readonly string _atom = File.ReadAllText(TestData.Fixture("arxiv-atom-api.xml"));
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _server.Dispose();
        _library.Dispose();
    }

    [Fact]
    public async Task Fetch_HfDailyFirstRun_IngestsEachDayAndMovesTheCursorToToday()
    {
        _server.Handler = (request, _) => request.QueryString["date"] == "2026-11-01"
            ? new FakeFeedServer.Reply(200, _hfDaily)
            : new FakeFeedServer.Reply(200, "[]");
        var fetcher = CreateFetcher(HfSource());

        var result = await fetcher.FetchAsync(HfSource(), null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Fetched, result.Status);
        Assert.Equal(["/daily?date=2026-10-31", "/daily?date=2026-11-01"], _server.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(RecordsIn(_hfDaily, IngestFormat.HfDaily), result.Added);
        Assert.Equal(result.Added, (await _library.Papers.GetStatsAsync()).Papers);
        var cursor = await Cursors().GetAsync("hf", CancellationToken.None);
        Assert.Equal("2026-11-01", cursor.Position);
        Assert.Null(cursor.LastError);
        Assert.Equal(result.Added, cursor.LastAdded);
    }

    [Fact]
    public async Task Fetch_ArxivPaged_ReadsPagesUpToMaxResultsThenStopsAtTheCursor()
    {
        _server.Handler = (request, _) => new FakeFeedServer.Reply(200, AtomPage(
            int.Parse(request.QueryString["start"]!, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(request.QueryString["max_results"]!, System.Globalization.CultureInfo.InvariantCulture)));
        var source = ArxivSource(pageSize: 2, maxResults: 5);
        var fetcher = CreateFetcher(source);

        var first = await fetcher.FetchAsync(source, null, CancellationToken.None);
        var firstRequests = _server.Requests.Select(r => HttpUtility.ParseQueryString(r.PathAndQuery.Split('?')[1])).ToList();
        var second = await fetcher.FetchAsync(source, null, CancellationToken.None);

        Assert.Equal(5, first.Added);
        Assert.Equal(["0", "2", "4"], firstRequests.Select(q => q["start"]));
        Assert.Equal(["2", "2", "1"], firstRequests.Select(q => q["max_results"]));
        Assert.Equal("cat:cs.CL OR cat:cs.LG", firstRequests[0]["search_query"]);
        Assert.Equal("submittedDate", firstRequests[0]["sortBy"]);
        // The newest paper is the cursor: the next fetch stops on the first page.
        Assert.Equal(4, _server.Requests.Count);
        Assert.Equal(0, second.Added);
    }

    [Fact]
    public async Task Fetch_429WithRetryAfter_IsRetriedAndSucceeds()
    {
        _server.Handler = (_, n) => n == 1
            ? new FakeFeedServer.Reply(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "1" })
            : new FakeFeedServer.Reply(200, _atom);
        var fetcher = CreateFetcher(UrlSource());

        var result = await fetcher.FetchAsync(UrlSource(), null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Fetched, result.Status);
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(5, result.Added);
    }

    [Fact]
    public async Task FetchAll_OneSourceAnswers503_ItIsSkippedWithItsErrorAndTheOthersRun()
    {
        _server.Handler = (request, _) => request.Url!.AbsolutePath == "/feed.xml"
            ? new FakeFeedServer.Reply(200, _atom)
            : new FakeFeedServer.Reply(503, "down");
        var fetcher = CreateFetcher(HfSource(), UrlSource());

        var results = await fetcher.FetchAllAsync(null, null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Failed, results[0].Status);
        Assert.StartsWith("HTTP 503", results[0].Error, StringComparison.Ordinal);
        Assert.Equal(FeedRunStatus.Fetched, results[1].Status);
        Assert.Equal(5, (await _library.Papers.GetStatsAsync()).Papers);
        var cursor = await Cursors().GetAsync("hf", CancellationToken.None);
        Assert.Null(cursor.Position); // the next run retries the same days
        Assert.StartsWith("HTTP 503", cursor.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_ServerTooSlow_FailsWithATimeoutAndWritesNothing()
    {
        _server.Handler = (_, _) => new FakeFeedServer.Reply(200, _atom, Delay: TimeSpan.FromSeconds(3));
        var fetcher = CreateFetcher(TimeSpan.FromSeconds(1), UrlSource());

        var result = await fetcher.FetchAsync(UrlSource(), null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Failed, result.Status);
        Assert.Contains("in time", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await _library.Papers.GetStatsAsync()).Papers);
    }

    [Fact]
    public async Task Fetch_MalformedSecondPage_SkipsTheSourceWithNothingHalfWritten()
    {
        _server.Handler = (request, _) => request.QueryString["start"] == "0"
            ? new FakeFeedServer.Reply(200, AtomPage(0, 2))
            : new FakeFeedServer.Reply(200, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>");
        var source = ArxivSource(pageSize: 2, maxResults: 4);
        var fetcher = CreateFetcher(source);

        var result = await fetcher.FetchAsync(source, null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Failed, result.Status);
        Assert.Contains("page 2", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await _library.Papers.GetStatsAsync()).Papers);
        Assert.Null((await Cursors().GetAsync("arxiv", CancellationToken.None)).Position);
    }

    [Fact]
    public async Task FetchAll_OneFailsOneFetchesThenNotModified_CountsEachFetchBySourceAndOutcome()
    {
        _server.Handler = (request, _) => request.Url!.AbsolutePath == "/feed.xml"
            ? (request.Headers["If-None-Match"] == "\"v1\"" ? new FakeFeedServer.Reply(304, "") : new FakeFeedServer.Reply(200, _atom, new Dictionary<string, string> { ["ETag"] = "\"v1\"" }))
            : new FakeFeedServer.Reply(503, "down");
        var fetcher = CreateFetcher(HfSource(), UrlSource());
        using var metrics = new MetricCapture("paperbot.feeds.fetches");

        await fetcher.FetchAllAsync(null, null, CancellationToken.None);
        await fetcher.FetchAsync(UrlSource(), null, CancellationToken.None);

        Assert.Contains(metrics.Of("paperbot.feeds.fetches", ("source", "hf"), ("outcome", "failed")), m => m.Value == 1);
        Assert.Contains(metrics.Of("paperbot.feeds.fetches", ("source", "url"), ("outcome", "fetched")), m => m.Value == 1);
        Assert.Contains(metrics.Of("paperbot.feeds.fetches", ("source", "url"), ("outcome", "notmodified")), m => m.Value == 1);
    }

    [Fact]
    public async Task Fetch_UnchangedResponse_SendsTheETagAndIngestsNothingOn304()
    {
        _server.Handler = (request, _) => request.Headers["If-None-Match"] == "\"v1\""
            ? new FakeFeedServer.Reply(304, "")
            : new FakeFeedServer.Reply(200, _atom, new Dictionary<string, string> { ["ETag"] = "\"v1\"" });
        var fetcher = CreateFetcher(UrlSource());

        var first = await fetcher.FetchAsync(UrlSource(), null, CancellationToken.None);
        var second = await fetcher.FetchAsync(UrlSource(), null, CancellationToken.None);

        Assert.Equal(FeedRunStatus.Fetched, first.Status);
        Assert.Equal(FeedRunStatus.NotModified, second.Status);
        Assert.Equal("\"v1\"", _server.Requests.Last().IfNoneMatch);
        Assert.Null((await Cursors().GetAsync("url", CancellationToken.None)).LastError);
    }

    [Fact]
    public async Task FetchAll_UnknownSourceName_ListsTheConfiguredOnes()
    {
        var fetcher = CreateFetcher(HfSource(), UrlSource());

        var error = await Assert.ThrowsAsync<UserFacingException>(() => fetcher.FetchAllAsync("nope", null, CancellationToken.None));

        Assert.Equal("No feed source is called 'nope'. Configured: hf, url.", error.Message);
    }

    private FeedSourceOptions HfSource() => new() { Name = "hf", Kind = FeedSourceKind.HfDaily, Url = _server.BaseUrl + "daily", MaxDaysBack = 2 };

    private FeedSourceOptions ArxivSource(int pageSize, int maxResults) => new()
    {
        Name = "arxiv", Kind = FeedSourceKind.Arxiv, Url = _server.BaseUrl + "api/query", Categories = ["cs.CL", "cs.LG"],
        PageSize = pageSize, MaxResults = maxResults,
    };

    private FeedSourceOptions UrlSource() => new() { Name = "url", Kind = FeedSourceKind.Url, Url = _server.BaseUrl + "feed.xml" };

    private IFeedCursorStore Cursors() => _services!.GetRequiredService<IFeedCursorStore>();

    // A generous attempt timeout: on a loaded machine a first request can take over a second, and a retry would
    // repeat a page. The slow-server test sets its own.
    private FeedFetcher CreateFetcher(params FeedSourceOptions[] sources) => CreateFetcher(TimeSpan.FromSeconds(10), sources);

    private FeedFetcher CreateFetcher(TimeSpan attemptTimeout, params FeedSourceOptions[] sources)
    {
        var options = new FeedOptions
        {
            Sources = [.. sources],
            AttemptTimeout = attemptTimeout,
            TotalTimeout = TimeSpan.FromSeconds(20),
            MaxRetryAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            ArxivRequestSpacing = TimeSpan.Zero,
        };
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_library.Store);
        services.AddSingleton(_library.Ingestor);
        services.AddFeedHttpClients();
        services.AddSingleton<IFeedCursorStore, SqliteFeedCursorStore>();
        services.AddSingleton(sp => new ArxivRequestGate(Options.Create(options), _library.Time));
        services.AddSingleton(sp => new FeedFetcher(
            Options.Create(options), sp.GetRequiredService<IFeedCursorStore>(), _library.Ingestor, sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<ArxivRequestGate>(), _library.Time, NullLogger<FeedFetcher>.Instance));
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<FeedFetcher>();
    }

    /// <summary>The fixture's entries [start, start+count) as one Atom page.</summary>
    private string AtomPage(int start, int count)
    {
        var document = XDocument.Parse(_atom);
        var entries = document.Root!.Elements(Atom + "entry").ToList();
        foreach (var (entry, i) in entries.Select((e, i) => (e, i)))
        {
            if (i < start || i >= start + count)
            {
                entry.Remove();
            }
        }

        return document.ToString();
    }

    private static int RecordsIn(string text, IngestFormat format) =>
        PaperIngestor.Parse(System.Text.Encoding.UTF8.GetBytes(text), "fixture", format).Records.Count;
}
