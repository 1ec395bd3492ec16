using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.Core.Feeds;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Feeds;

public sealed class FeedFetchServiceTests : IDisposable
{
    private readonly TestLibrary _library = new();

    public void Dispose() => _library.Dispose();

    [Fact]
    public async Task Service_SourceWithHourlyInterval_FetchesAtStartAndAgainEachHourInFakeTime()
    {
        var feed = _library.WriteFile("feed.jsonl", """{"id": "2611.00001", "title": "Routing tokens to experts", "abstract": "We study sparse expert routing."}""");
        var options = Options.Create(new FeedOptions
        {
            Sources = [new FeedSourceOptions { Name = "local", Kind = FeedSourceKind.Url, Url = feed, Interval = TimeSpan.FromHours(1) }],
        });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        var cursors = new SqliteFeedCursorStore(_library.Store);
        using var http = new DummyHttpClientFactory();
        using var gate = new ArxivRequestGate(options, time);
        var fetcher = new FeedFetcher(options, cursors, _library.Ingestor, http, gate, time, NullLogger<FeedFetcher>.Instance);
        using var service = new FeedFetchService(fetcher, cursors, new SqliteFeedLease(_library.Store), options, time, NullLogger<FeedFetchService>.Instance);

        await service.StartAsync(CancellationToken.None);
        await WaitForAttemptAsync(cursors, time.GetUtcNow());
        var firstAttempt = (await cursors.GetAsync("local", CancellationToken.None)).LastAttempt;
        // Step fake time until the service, sleeping on it, wakes for the next hourly fetch.
        for (var i = 0; i < 200 && (await cursors.GetAsync("local", CancellationToken.None)).LastAttempt == firstAttempt; i++)
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await Task.Delay(20);
        }

        var secondAttempt = (await cursors.GetAsync("local", CancellationToken.None)).LastAttempt;
        await service.StopAsync(CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero), firstAttempt);
        Assert.NotNull(secondAttempt);
        Assert.True(secondAttempt - firstAttempt >= TimeSpan.FromHours(1), $"second fetch at {secondAttempt}");
        Assert.Equal(1, (await _library.Papers.GetStatsAsync()).Papers);
    }

    [Fact]
    public async Task Service_AnotherProcessHoldsTheLease_SkipsRoundsUntilTheLeaseExpires()
    {
        var feed = _library.WriteFile("feed.jsonl", """{"id": "2611.00001", "title": "Routing tokens to experts", "abstract": "We study sparse expert routing."}""");
        var options = Options.Create(new FeedOptions
        {
            Sources = [new FeedSourceOptions { Name = "local", Kind = FeedSourceKind.Url, Url = feed, Interval = TimeSpan.FromHours(1) }],
        });
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var cursors = new SqliteFeedCursorStore(_library.Store);
        var lease = new SqliteFeedLease(_library.Store);
        // A process on another machine (never known to be dead) holds the lease for 30 minutes.
        Assert.True(await lease.TryAcquireAsync("another-host/1/abcdef12", start, start.AddMinutes(30), null, CancellationToken.None));
        using var http = new DummyHttpClientFactory();
        using var gate = new ArxivRequestGate(options, time);
        var fetcher = new FeedFetcher(options, cursors, _library.Ingestor, http, gate, time, NullLogger<FeedFetcher>.Instance);
        using var service = new FeedFetchService(fetcher, cursors, lease, options, time, NullLogger<FeedFetchService>.Instance);

        await service.StartAsync(CancellationToken.None);
        for (var i = 0; i < 400 && (await cursors.GetAsync("local", CancellationToken.None)).LastSuccess is null; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20);
        }

        var cursor = await cursors.GetAsync("local", CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        Assert.NotNull(cursor.LastAttempt);
        Assert.True(cursor.LastAttempt >= start.AddMinutes(30), $"fetched at {cursor.LastAttempt} while another process held the lease");
        // The round over, the lease is given up for whichever process comes next.
        Assert.Null(await lease.GetAsync(CancellationToken.None));
    }

    private static async Task WaitForAttemptAsync(IFeedCursorStore cursors, DateTimeOffset at)
    {
        for (var i = 0; i < 600; i++)
        {
            var cursor = await cursors.GetAsync("local", CancellationToken.None);
            if (cursor.LastSuccess is not null && cursor.LastAttempt == at)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the service did not fetch at start");
    }

    private sealed class DummyHttpClientFactory : IHttpClientFactory, IDisposable
    {
        private readonly HttpClient _client = new();

        public HttpClient CreateClient(string name) => _client;

        public void Dispose() => _client.Dispose();
    }
}
