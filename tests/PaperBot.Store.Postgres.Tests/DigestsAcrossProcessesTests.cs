using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperBot.AI.Tests.Fakes;
using PaperBot.Core.Digests;
using PaperBot.Core.Search;
using PaperBot.Store.Postgres.Tests.Contracts;

namespace PaperBot.Store.Postgres.Tests;

/// <summary>Two bot processes on one PostgreSQL database, each with its own digest runner: an occurrence is posted once.</summary>
public sealed class DigestsAcrossProcessesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Scheduled = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Scheduled.AddHours(-1));
    private readonly IOptions<DigestOptions> _options = Options.Create(new DigestOptions());
    private readonly RecordingPoster _poster = new();
    private readonly List<IDisposable> _owned = [];
    private PostgresBackend? _backend;

    public async Task InitializeAsync()
    {
        if (PostgresServer.ConnectionString is null && !PostgresServer.Required)
        {
            return;
        }

        _backend = await PostgresBackend.CreateAsync();
        await _backend.AddPapersAsync([.. Enumerable.Range(1, 12).Select(i => ($"2611.{i:00000}", $"Sparse mixture of experts routing study {i}"))]);
    }

    public async Task DisposeAsync()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task RunDue_TwoProcessesAtTheSameTime_PostTheDigestOnce()
    {
        var (first, store) = StartProcess();
        var (second, _) = StartProcess();
        var subscription = await SubscribeAsync(store);
        _time.SetUtcNow(Scheduled);

        await Task.WhenAll(Task.Run(() => first.RunDueAsync(CancellationToken.None)), Task.Run(() => second.RunDueAsync(CancellationToken.None)));

        var run = await store.GetRunAsync(subscription.Id, DigestRunner.OccurrenceKey(Scheduled), CancellationToken.None);
        Assert.Equal(DigestRunStates.Done, run!.State);
        Assert.NotEmpty(_poster.Messages);
        Assert.Equal(Enumerable.Range(1, _poster.Messages.Count), _poster.Messages.Select(m => m.Part).Order());
        Assert.Equal(_poster.Messages.Select(m => m.MessageId).Order(), run.MessageIds.Order());
        Assert.Equal(_poster.Messages.Count, _poster.Calls);
    }

    [PostgresFact]
    public async Task RunDue_ClaimantKilledAfterThePartOne_TheOtherProcessFinishesWithoutRepeatingIt()
    {
        var (first, store) = StartProcess();
        var (second, _) = StartProcess();
        var subscription = await SubscribeAsync(store);
        _time.SetUtcNow(Scheduled);
        _poster.CrashAfterPost = 1;

        await first.RunDueAsync(CancellationToken.None);
        var afterCrash = _poster.Messages.Count;
        _poster.CrashAfterPost = null;
        await second.RunDueAsync(CancellationToken.None); // within the lease: left alone
        var withinLease = _poster.Messages.Count;
        _time.Advance(_options.Value.ClaimLease + TimeSpan.FromMinutes(1));
        await second.RunDueAsync(CancellationToken.None);

        var run = await store.GetRunAsync(subscription.Id, DigestRunner.OccurrenceKey(Scheduled), CancellationToken.None);
        Assert.Equal((1, 1), (afterCrash, withinLease));
        Assert.True(_poster.Messages.Count > 1, "the digest should have more than one part");
        Assert.Equal(Enumerable.Range(1, _poster.Messages.Count), _poster.Messages.Select(m => m.Part));
        Assert.Equal(_poster.Messages.Count, _poster.Calls);
        Assert.Equal(DigestRunStates.Done, run!.State);
    }

    private (DigestScheduler Scheduler, IDigestStore Store) StartProcess()
    {
        var backend = _backend ?? throw new InvalidOperationException("no PostgreSQL server");
        var store = backend.OpenProcess().Digests;
        var embedder = new PassageEmbedder(new HashingEmbeddingGenerator(), backend.OpenPaperProcess().Passages, NullLogger<PassageEmbedder>.Instance);
        _owned.Add(embedder);
        var composer = new DigestComposer(store, embedder, new SimilarityOnlyJudge(), _options, _time, NullLogger<DigestComposer>.Instance);
        var runner = new DigestRunner(store, composer, _poster, _options, _time, NullLogger<DigestRunner>.Instance);
        var scheduler = new DigestScheduler(store, runner, _options, _time, NullLogger<DigestScheduler>.Instance);
        _owned.Add(scheduler);
        return (scheduler, store);
    }

    private Task<Subscription> SubscribeAsync(IDigestStore store) =>
        new DigestSubscriptions(store, _options, _time).SubscribeAsync(
            new SubscribeRequest("1", "100", "mixture of experts routing", "08:00", "UTC", null, 12, 0, "admin"), CancellationToken.None);

    /// <summary>A channel shared by both processes; a repeated nonce returns the message posted first, as Discord does.</summary>
    private sealed class RecordingPoster : IDigestPoster
    {
        private int _ids;
        private int _calls;

        public ConcurrentQueue<(string MessageId, int Part, DigestMarker Marker)> Messages { get; } = new();

        /// <summary>Every post attempt, repeats included (the nonce would hide a repeat from <see cref="Messages"/>).</summary>
        public int Calls => _calls;

        /// <summary>The call after whose post the process "dies" (posted, never recorded).</summary>
        public int? CrashAfterPost { get; set; }

        public Task<string> PostAsync(Subscription subscription, long runId, DigestPart part, DigestMarker marker, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            lock (Messages)
            {
                var existing = Messages.FirstOrDefault(m => m.Marker.Nonce == marker.Nonce);
                if (existing.MessageId is not null)
                {
                    return Task.FromResult(existing.MessageId);
                }

                var id = Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
                Messages.Enqueue((id, part.Index, marker));
                return call == CrashAfterPost ? throw new IOException("process killed") : Task.FromResult(id);
            }
        }

        public Task<string?> FindPostedAsync(string channelId, DigestMarker marker, CancellationToken cancellationToken) =>
            Task.FromResult(Messages.Where(m => m.Marker.Tag == marker.Tag).Select(m => m.MessageId).FirstOrDefault());
    }
}
