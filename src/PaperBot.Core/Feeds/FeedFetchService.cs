using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Feeds;

/// <summary>
/// Fetches each enabled source on its interval while the bot runs. When a source is due comes from its
/// cursor's last attempt, so a restart does not refetch everything at once. A failed fetch is logged and
/// the loop goes on; cancellation stops it.
/// </summary>
internal sealed class FeedFetchService(
    FeedFetcher fetcher, IFeedCursorStore cursors, IOptions<FeedOptions> options, TimeProvider time, ILogger<FeedFetchService> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan MinSleep = TimeSpan.FromSeconds(1);

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
            var nextDue = DateTimeOffset.MaxValue;
            try
            {
                foreach (var source in sources)
                {
                    var due = await DueAsync(source, stoppingToken);
                    if (due <= time.GetUtcNow())
                    {
                        await fetcher.FetchAsync(source, null, stoppingToken);
                        due = time.GetUtcNow() + source.Interval;
                    }

                    nextDue = due < nextDue ? due : nextDue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Feeds: a fetch round failed; trying again later");
                nextDue = time.GetUtcNow() + TimeSpan.FromMinutes(1);
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

    private async Task<DateTimeOffset> DueAsync(FeedSourceOptions source, CancellationToken cancellationToken)
    {
        var cursor = await cursors.GetAsync(source.Name, cancellationToken);
        return cursor.LastAttempt is { } last ? last + source.Interval : DateTimeOffset.MinValue;
    }
}
