using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;
using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Ingestion;

/// <summary>The bot's feed fetcher and a CLI <c>paperbot ingest</c> write the same library at the same time.</summary>
public sealed class ConcurrentIngestTests : IDisposable
{
    private readonly TestLibrary _library;
    private readonly RendezvousGenerator _firstModel;
    private readonly RendezvousGenerator _secondModel;
    private readonly LibraryStore _secondStore;
    private readonly PassageEmbedder _secondEmbedder;
    private readonly PaperIngestor _secondIngestor;

    public ConcurrentIngestTests()
    {
        // Both ingests wait for each other inside embedding, i.e. after each has looked at the library
        // and before either writes: the interleaving that used to fail with UNIQUE constraint errors.
        var rendezvous = new Rendezvous(2);
        _firstModel = new RendezvousGenerator(TestLibrary.Model, rendezvous);
        _secondModel = new RendezvousGenerator(TestLibrary.Model, rendezvous);
        _library = new TestLibrary(_firstModel);
        _secondStore = new LibraryStore(Options.Create(new LibraryOptions { Path = _library.Path }), _library.Time, NullLogger<LibraryStore>.Instance);
        _secondEmbedder = new PassageEmbedder(_secondModel, new SqlitePassageStore(_secondStore), NullLogger<PassageEmbedder>.Instance);
        _secondIngestor = new PaperIngestor(new SqlitePaperStore(_secondStore), _secondEmbedder, _library.Time, NullLogger<PaperIngestor>.Instance);
    }

    public void Dispose()
    {
        _secondEmbedder.Dispose();
        _secondStore.Dispose();
        _library.Dispose();
    }

    [Fact]
    public async Task Ingest_SameFileTwiceAtOnce_BothSucceedAndEachPaperIsStoredOnce()
    {
        var file = TestData.Fixture("arxiv-atom-api.xml");

        var reports = await Task.WhenAll(
            Task.Run(() => _library.Ingestor.IngestAsync(file)),
            Task.Run(() => _secondIngestor.IngestAsync(file)));

        Assert.Equal(5, reports.Sum(r => r.Added));
        Assert.Equal(5, reports.Sum(r => r.Unchanged));
        var stats = await _library.Papers.GetStatsAsync();
        Assert.Equal(5, stats.Papers);
        Assert.Equal(5, stats.Passages);
    }

    private sealed class Rendezvous(int parties)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public Task ArriveAsync()
        {
            if (Interlocked.Increment(ref _arrived) >= parties)
            {
                _all.TrySetResult();
            }

            return _all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    private sealed class RendezvousGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, Rendezvous rendezvous)
        : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await rendezvous.ArriveAsync();
            }

            return await inner.GenerateAsync(values, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
        }
    }
}
