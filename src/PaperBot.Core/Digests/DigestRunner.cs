using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Core.Digests;

/// <summary>What a run attempt did.</summary>
public enum DigestRunStatus
{
    /// <summary>Posted (or, on a resumed run, finished posting).</summary>
    Posted,

    /// <summary>Nothing relevant and the "nothing new" line is off: the run is done without a post.</summary>
    NothingToPost,

    /// <summary>Another process (or an earlier run) has this occurrence.</summary>
    AlreadyClaimed,

    /// <summary>The channel is gone or the bot lost a permission: the subscription is paused.</summary>
    Paused,
}

/// <summary>The outcome of one run attempt.</summary>
public sealed record DigestRunOutcome(DigestRunStatus Status, int Papers, IReadOnlyList<string> MessageIds, string Detail);

/// <summary>
/// Runs a digest exactly once per (subscription, occurrence): the run is claimed in the library under that
/// unique key before anything is posted, the composed plan is stored with the claim (so a resumed run posts
/// the same parts), each part carries a nonce derived from the key and part number with enforce_nonce, and
/// each posted message id is recorded at once. A run resumed after a crash skips recorded parts and, for the
/// others, first looks in the channel for the part's tag before posting.
/// </summary>
public sealed class DigestRunner
{
    private static readonly JsonSerializerOptions PlanJson = new(JsonSerializerDefaults.Web);

    private readonly IDigestStore _store;
    private readonly DigestComposer _composer;
    private readonly IDigestPoster _poster;
    private readonly DigestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DigestRunner> _logger;

    public DigestRunner(IDigestStore store, DigestComposer composer, IDigestPoster poster, IOptions<DigestOptions> options, TimeProvider time, ILogger<DigestRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _composer = composer;
        _poster = poster;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Who claims runs: unique per process, so two processes on one library never share a lease.</summary>
    public string Owner { get; } = ProcessOwner.NewId();

    /// <summary>
    /// Whether the process that claimed a run is known to be dead (<see cref="ProcessOwner.IsGone"/>). A restart
    /// then resumes the run at once instead of waiting out its lease.
    /// </summary>
    public static bool ClaimantIsGone(string claimedBy) => ProcessOwner.IsGone(claimedBy);

    /// <summary>The occurrence key of a scheduled time (UTC, to the minute).</summary>
    public static string OccurrenceKey(DateTimeOffset scheduled) =>
        scheduled.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The occurrence key of a manual post ("digest now", "digest run"): the current minute, so the bot and the
    /// shell asked at the same moment post once.
    /// </summary>
    public string ManualOccurrenceKey() => "now:" + OccurrenceKey(_time.GetUtcNow());

    /// <summary>Claims and runs one occurrence.</summary>
    public async Task<DigestRunOutcome> RunAsync(Subscription subscription, string occurrence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var now = _time.GetUtcNow();
        var run = await _store.TryClaimAsync(subscription.Id, occurrence, Owner, now, now + _options.ClaimLease, cancellationToken);
        if (run is null)
        {
            var existing = await _store.GetRunAsync(subscription.Id, occurrence, cancellationToken);
            _logger.AlreadyClaimed(subscription.ChannelId, occurrence, existing?.State ?? "claimed");
            return Counted(new DigestRunOutcome(DigestRunStatus.AlreadyClaimed, 0, existing?.MessageIds ?? [], $"already {existing?.State ?? "claimed"}"));
        }

        return await ExecuteAsync(subscription, run, resumed: false, cancellationToken);
    }

    /// <summary>Resumes a run left unfinished by a crashed process (when its lease has run out).</summary>
    public async Task<DigestRunOutcome> ResumeAsync(Subscription subscription, DigestRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(run);
        var now = _time.GetUtcNow();
        var taken = await _store.TryTakeOverAsync(run.Id, Owner, ClaimantIsGone(run.ClaimedBy) ? run.ClaimedBy : null, now, now + _options.ClaimLease, cancellationToken);
        if (taken is null)
        {
            return Counted(new DigestRunOutcome(DigestRunStatus.AlreadyClaimed, 0, run.MessageIds, "held by another process"));
        }

        _logger.Resuming(subscription.ChannelId, run.Occurrence, taken.MessageIds.Count(id => id.Length > 0));
        return await ExecuteAsync(subscription, taken, resumed: true, cancellationToken);
    }

    private async Task<DigestRunOutcome> ExecuteAsync(Subscription subscription, DigestRun run, bool resumed, CancellationToken cancellationToken)
    {
        if (run.Plan is null)
        {
            var digest = await _composer.ComposeAsync(subscription, cancellationToken);
            var plan = new DigestPlan(digest.Parts, [.. digest.Entries.Select(e => e.PaperId)], digest.HighWater);
            run = await _store.SavePlanAsync(run.Id, JsonSerializer.Serialize(plan, PlanJson), cancellationToken);
        }

        var stored = JsonSerializer.Deserialize<DigestPlan>(run.Plan!, PlanJson)!;
        var messageIds = run.MessageIds.ToList();
        for (var i = 0; i < stored.Parts.Count; i++)
        {
            if (i < messageIds.Count && messageIds[i].Length > 0)
            {
                continue; // recorded as posted before the crash
            }

            var marker = DigestMarker.For(subscription.Id, run.Occurrence, i + 1);
            string? messageId = null;
            try
            {
                if (resumed)
                {
                    // Posted but not recorded (crash between the two)? The channel tells: look before posting.
                    messageId = await _poster.FindPostedAsync(subscription.ChannelId, marker, cancellationToken);
                }

                messageId ??= await _poster.PostAsync(subscription, run.Id, stored.Parts[i], marker, cancellationToken);
            }
            catch (DigestChannelUnavailableException ex)
            {
                var now = _time.GetUtcNow();
                _logger.Paused(subscription.ChannelId, ex.Message);
                await _store.PauseAsync(subscription.Id, ex.Message, now, cancellationToken);
                await _store.EndRunAsync(run.Id, DigestRunStates.Failed, ex.Message, now, cancellationToken);
                return Counted(new DigestRunOutcome(DigestRunStatus.Paused, 0, messageIds, ex.Message));
            }

            await _store.RecordPartAsync(run.Id, i, messageId, _time.GetUtcNow() + _options.ClaimLease, cancellationToken);
            while (messageIds.Count <= i)
            {
                messageIds.Add("");
            }

            messageIds[i] = messageId;
        }

        var papers = stored.PaperIds.Count;
        var result = stored.Parts.Count == 0
            ? "nothing new (not posted)"
            : papers == 0 ? "nothing new" : $"posted {papers} paper{(papers == 1 ? "" : "s")} in {stored.Parts.Count} message{(stored.Parts.Count == 1 ? "" : "s")}";
        await _store.CompleteRunAsync(run, subscription.ChannelId, stored.PaperIds, stored.HighWater, result, _time.GetUtcNow(), cancellationToken);
        _logger.Completed(subscription.ChannelId, run.Occurrence, result);
        return Counted(new DigestRunOutcome(stored.Parts.Count == 0 ? DigestRunStatus.NothingToPost : DigestRunStatus.Posted, papers, messageIds, result));
    }

    /// <summary>The paper of entry <paramref name="index"/> (0-based, across parts) of a run's plan, or null.</summary>
    public async Task<string?> PaperOfEntryAsync(long runId, int index, CancellationToken cancellationToken)
    {
        var run = await _store.GetRunAsync(runId, cancellationToken);
        if (run?.Plan is null)
        {
            return null;
        }

        var plan = JsonSerializer.Deserialize<DigestPlan>(run.Plan, PlanJson)!;
        return index >= 0 && index < plan.PaperIds.Count ? plan.PaperIds[index] : null;
    }

    private static DigestRunOutcome Counted(DigestRunOutcome outcome)
    {
        Telemetry.CoreMetrics.DigestRuns.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Status.ToString().ToLowerInvariant()));
        return outcome;
    }

    /// <summary>What a claimed run posts, stored with the claim.</summary>
    internal sealed record DigestPlan(IReadOnlyList<DigestPart> Parts, IReadOnlyList<string> PaperIds, long HighWater);
}
