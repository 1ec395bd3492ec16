using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Digests;

/// <summary>
/// A real library with a dozen papers, digests in fake time, and a fake channel poster. Each
/// <see cref="CreateHost"/> is one process: its own library connection pool, runner (claim owner) and scheduler.
/// </summary>
internal sealed class DigestHarness : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public DigestHarness(DateTimeOffset start)
    {
        Library = new TestLibrary();
        Time = new FakeTimeProvider(start);
        Options = Microsoft.Extensions.Options.Options.Create(new DigestOptions());
        var papers = Library.WriteFile("papers.jsonl", string.Join('\n', Enumerable.Range(1, 12).Select(i =>
            $$"""{"id": "2611.{{i:00000}}", "title": "Sparse mixture of experts routing study {{i}}", "abstract": "We propose routing method {{i}} for sparse mixture-of-experts language models, where a learned router sends each token to a few expert networks."}""")));
        Library.Ingestor.IngestAsync(papers).GetAwaiter().GetResult();
        Store = new SqliteDigestStore(Library.Store);
    }

    public TestLibrary Library { get; }

    public FakeTimeProvider Time { get; }

    public IOptions<DigestOptions> Options { get; }

    public IDigestStore Store { get; }

    public FakeChannelPoster Poster { get; } = new();

    public DigestScheduler CreateHost()
    {
        var store = new LibraryStore(Microsoft.Extensions.Options.Options.Create(new LibraryOptions { Path = Library.Path }), Time, NullLogger<LibraryStore>.Instance);
        var embedder = new PassageEmbedder(TestLibrary.Model, new PaperBot.Core.Library.Sqlite.SqlitePassageStore(store), NullLogger<PassageEmbedder>.Instance);
        _owned.Add(embedder);
        _owned.Add(store);
        var digestStore = new SqliteDigestStore(store);
        var composer = new DigestComposer(digestStore, embedder, new SimilarityOnlyJudge(), Options, Time, NullLogger<DigestComposer>.Instance);
        var runner = new DigestRunner(digestStore, composer, Poster, Options, Time, NullLogger<DigestRunner>.Instance);
        var scheduler = new DigestScheduler(digestStore, runner, Options, Time, NullLogger<DigestScheduler>.Instance);
        _owned.Add(scheduler);
        return scheduler;
    }

    public Task<Subscription> SubscribeAsync(string channel, string time, string zone, int max = 12) =>
        new DigestSubscriptions(Store, Options, Time).SubscribeAsync(
            new SubscribeRequest("1", channel, "mixture of experts routing", time, zone, null, max, 0, "admin"), CancellationToken.None);

    /// <summary>Moves fake time forward in steps, running one scheduler pass at each.</summary>
    public async Task RunUntilAsync(DigestScheduler scheduler, DateTimeOffset until, TimeSpan step)
    {
        while (Time.GetUtcNow() < until)
        {
            Time.Advance(step);
            await scheduler.RunDueAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }

        Library.Dispose();
    }
}

/// <summary>A channel that records what is posted, finds messages by tag, and fails on demand.</summary>
internal sealed class FakeChannelPoster : IDigestPoster
{
    private int _ids;

    public ConcurrentQueue<(string ChannelId, string MessageId, DigestMarker Marker, DigestPart Part, DateTimeOffset At)> Messages { get; } = new();

    /// <summary>Called before each post with the 1-based call number: may throw to simulate a crash or Discord error.</summary>
    public Action<string, DigestMarker, int>? BeforePost { get; set; }

    /// <summary>When set, the message is stored in the channel and then this throws (posted, but the process dies before recording).</summary>
    public Func<int, bool>? CrashAfterPosting { get; set; }

    public TimeProvider? Clock { get; set; }

    private int _calls;

    public Task<string> PostAsync(Subscription subscription, long runId, DigestPart part, DigestMarker marker, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        BeforePost?.Invoke(subscription.ChannelId, marker, call);
        // Discord's enforce_nonce: a repeated nonce returns the message that exists.
        var existing = Messages.FirstOrDefault(m => m.ChannelId == subscription.ChannelId && m.Marker.Nonce == marker.Nonce);
        if (existing.MessageId is not null)
        {
            return Task.FromResult(existing.MessageId);
        }

        var id = Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Messages.Enqueue((subscription.ChannelId, id, marker, part, Clock?.GetUtcNow() ?? default));
        if (CrashAfterPosting?.Invoke(call) == true)
        {
            throw new SimulatedCrashException();
        }

        return Task.FromResult(id);
    }

    public Task<string?> FindPostedAsync(string channelId, DigestMarker marker, CancellationToken cancellationToken) =>
        Task.FromResult(Messages.Where(m => m.ChannelId == channelId && m.Marker.Tag == marker.Tag).Select(m => m.MessageId).FirstOrDefault());

    public IReadOnlyList<DateTimeOffset> PostTimes(string channelId) =>
        [.. Messages.Where(m => m.ChannelId == channelId && m.Part.Index == 1).Select(m => m.At)];
}

internal sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException() : base("simulated crash") { }

    public SimulatedCrashException(string message) : base(message) { }

    public SimulatedCrashException(string message, Exception innerException) : base(message, innerException) { }
}
