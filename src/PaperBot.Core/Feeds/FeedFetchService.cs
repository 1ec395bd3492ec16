using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Feeds;

/// <summary>
/// Fetches each enabled source on its interval while the bot runs. When a source is due comes from its
/// cursor's last attempt, so a restart does not refetch everything at once. A round of fetches runs under the
/// feed lease, so that of several processes on one store only one fetches at a time; a process that finds
/// the lease held skips the round. A failed fetch is logged and the loop goes on; cancellation stops it.
/// </summary>
internal sealed class FeedFetchService(
    FeedFetcher fetcher, IFeedCursorStore cursors, IFeedLease lease, IOptions<FeedOptions> options, TimeProvider time, ILogger<FeedFetchService> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan MinSleep = TimeSpan.FromSeconds(1);
    // After a failed round, or one skipped because another process holds the lease.
    private static readonly TimeSpan LookAgainAfter = TimeSpan.FromMinutes(1);

    /// <summary>This process's name on the lease.</summary>
    public string Holder { get; } = ProcessOwner.NewId();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sources = options.Value.Sources.Where(s => s.Enabled).ToList();
        if (!options.Value.Enabled || sources.Count == 0)
        {
            logger.LogInformation("Feeds: no automatic fetching (Feeds:Enabled is false or no source is enabled)");
            return;
        }

        logger.LogInformation("Feeds: fetching {Sources}", string.Join(", ", sources.Select(s => $"{s.Name} every {s.Interval}")));
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset nextDue;
            try
            {
                nextDue = await RunRoundAsync(sources, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Feeds: a fetch round failed; trying again later");
                nextDue = time.GetUtcNow() + LookAgainAfter;
            }

            var sleep = nextDue - time.GetUtcNow();
            sleep = sleep < MinSleep ? MinSleep : sleep > MaxSleep ? MaxSleep : sleep;
            try
            {
                await Task.Delay(sleep, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Fetches the due sources under the lease; returns when the next one is due.</summary>
    private async Task<DateTimeOffset> RunRoundAsync(List<FeedSourceOptions> sources, CancellationToken cancellationToken)
    {
        var nextDue = DateTimeOffset.MaxValue;
        var holding = false;
        try
        {
            foreach (var source in sources)
            {
                var due = await DueAsync(source, cancellationToken);
                if (due <= time.GetUtcNow())
                {
                    // Taken (or renewed) before each source, so a long round keeps it and a dead holder's runs out.
                    if (!await TryHoldAsync(cancellationToken))
                    {
                        return time.GetUtcNow() + LookAgainAfter;
                    }

                    holding = true;
                    await fetcher.FetchAsync(source, null, cancellationToken);
                    due = time.GetUtcNow() + source.Interval;
                }

                nextDue = due < nextDue ? due : nextDue;
            }
        }
        finally
        {
            if (holding)
            {
                // Given up even when the round failed or stops, so another process need not wait for it to expire.
                await lease.ReleaseAsync(Holder, CancellationToken.None);
            }
        }

        return nextDue;
    }

    private async Task<bool> TryHoldAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now + options.Value.LeaseDuration;
        if (await lease.TryAcquireAsync(Holder, now, until, null, cancellationToken))
        {
            return true;
        }

        var current = await lease.GetAsync(cancellationToken);
        if (current is not null && ProcessOwner.IsGone(current.Holder)
            && await lease.TryAcquireAsync(Holder, now, until, current.Holder, cancellationToken))
        {
            logger.LogInformation("Feeds: took the feed lease over from {Holder}, which has stopped", current.Holder);
            return true;
        }

        logger.LogDebug("Feeds: {Holder} holds the feed lease until {Until}; skipping this round", current?.Holder, current?.Until);
        return false;
    }

    private async Task<DateTimeOffset> DueAsync(FeedSourceOptions source, CancellationToken cancellationToken)
    {
        var cursor = await cursors.GetAsync(source.Name, cancellationToken);
        return cursor.LastAttempt is { } last ? last + source.Interval : DateTimeOffset.MinValue;
    }
}
