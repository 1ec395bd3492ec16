using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Ingestion;

namespace PaperBot.Core.Library;

/// <summary>
/// Ingests the bundled sample collection the first time PaperBot starts on an empty library, so a fresh
/// clone has something to work on. Runs once per library: removing the samples later does not bring them back.
/// </summary>
public sealed class LibrarySeeder
{
    private readonly IPaperStore _store;
    private readonly PaperIngestor _ingestor;
    private readonly LibraryOptions _options;
    private readonly ILogger<LibrarySeeder> _logger;

    public LibrarySeeder(IPaperStore store, PaperIngestor ingestor, IOptions<LibraryOptions> options, ILogger<LibrarySeeder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _ingestor = ingestor;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Seeds the library if it is empty and was never seeded. Returns the report, or null when nothing was done.</summary>
    public async Task<IngestReport?> EnsureSeededAsync(IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!_options.SeedSampleWhenEmpty)
        {
            return null;
        }

        if (!await _store.NeedsSeedingAsync(cancellationToken))
        {
            return null;
        }

        var path = Path.IsPathRooted(_options.SamplePath) ? _options.SamplePath : Path.Combine(AppContext.BaseDirectory, _options.SamplePath);
        if (!File.Exists(path))
        {
            _logger.LogWarning("The library is empty and the sample collection {SamplePath} is missing; ingest papers with 'paperbot ingest'", path);
            return null;
        }

        _logger.LogInformation("Empty library: ingesting the sample collection {SamplePath}", path);
        var report = await _ingestor.IngestAsync(path, IngestFormat.HfPage, progress, cancellationToken);
        await MarkSeededAsync(cancellationToken);
        return report;
    }

    /// <summary>Records that this library should never be seeded (the user brought their own papers first).</summary>
    public Task MarkSeededAsync(CancellationToken cancellationToken = default) => _store.MarkSeededAsync(cancellationToken);
}
