using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Digests;

/// <summary>
/// Posts each subscription's digest at its next occurrence (Cronos, in its time zone). On every tick it
/// first resumes runs whose process died (lease expired), then runs due occurrences. After downtime only the
/// latest missed occurrence is considered, and it is posted only if it is still the same day in the
/// channel's time zone; otherwise it is recorded as skipped with a log line. Paused subscriptions wait for
/// an admin to subscribe again.
/// </summary>
public sealed class DigestScheduler : BackgroundService
{
    private readonly IDigestStore _store;
    private readonly DigestRunner _runner;
    private readonly DigestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DigestScheduler> _logger;

    public DigestScheduler(IDigestStore store, DigestRunner runner, IOptions<DigestOptions> options, TimeProvider time, ILogger<DigestScheduler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _runner = runner;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>One pass: resume abandoned runs, then run what is due. Returns how many runs posted.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var posted = 0;
        var now = _time.GetUtcNow();
        foreach (var run in await _store.ListUnfinishedRunsAsync(cancellationToken))
        {
            if (run.LeaseUntil > now && !DigestRunner.ClaimantIsGone(run.ClaimedBy))
            {
                continue; // its process may still be posting
            }

            var subscription = await _store.GetSubscriptionAsync(run.SubscriptionId, cancellationToken);
            if (subscription is null || subscription.PausedReason is not null)
            {
                await _store.EndRunAsync(run.Id, DigestRunStates.Failed, "subscription removed or paused", now, cancellationToken);
                continue;
            }

            posted += await GuardAsync(subscription, () => _runner.ResumeAsync(subscription, run, cancellationToken), cancellationToken);
        }

        foreach (var subscription in await _store.ListSubscriptionsAsync(null, cancellationToken))
        {
            if (subscription.PausedReason is not null)
            {
                continue;
            }

            DateTimeOffset? latest;
            try
            {
                latest = DigestSchedule.Latest(subscription, now);
            }
            catch (UserFacingException ex)
            {
                _logger.UnusableSchedule(subscription.ChannelId, ex.Message);
                continue;
            }

            if (latest is not { } occurrence)
            {
                continue;
            }

            var key = DigestRunner.OccurrenceKey(occurrence);
            if (await _store.GetRunAsync(subscription.Id, key, cancellationToken) is not null)
            {
                continue;
            }

            if (!DigestSchedule.SameLocalDay(occurrence, now, subscription.TimeZone))
            {
                _logger.Missed(subscription.ChannelId, key, subscription.TimeZone);
                await _store.RecordSkippedAsync(subscription.Id, key, "missed while the bot was down", now, cancellationToken);
                continue;
            }

            posted += await GuardAsync(subscription, () => _runner.RunAsync(subscription, key, cancellationToken), cancellationToken);
        }

        return posted;
    }

    /// <summary>The earliest next occurrence over active subscriptions, or null.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var subscription in await _store.ListSubscriptionsAsync(null, cancellationToken))
        {
            if (subscription.PausedReason is null && DigestSchedule.Next(subscription, now) is { } due && (next is null || due < next))
            {
                next = due;
            }
        }

        return next;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            _logger.SchedulingOff();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = _options.SchedulerPoll;
            try
            {
                await RunDueAsync(stoppingToken);
                if (await NextDueAsync(stoppingToken) is { } next && next - _time.GetUtcNow() < sleep)
                {
                    sleep = next - _time.GetUtcNow();
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.TickFailed(ex, (long)sleep.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(sleep > TimeSpan.Zero ? sleep : TimeSpan.FromMilliseconds(1), _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<int> GuardAsync(Subscription subscription, Func<Task<DigestRunOutcome>> run, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await run();
            return outcome.Status == DigestRunStatus.Posted ? 1 : 0;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The claim stays with its lease: the next tick after the lease resumes it, posting nothing twice.
            _logger.RunFailed(ex, subscription.ChannelId);
            Telemetry.CoreMetrics.DigestRuns.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            return 0;
        }
    }
}
