using System.ComponentModel.DataAnnotations;

namespace PaperBot.Discord.FairUse;

/// <summary>Fair use of the model-backed commands. Section <c>Limits</c>.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Model-backed requests (ask, follow-ups, summaries, comparisons) one user may make per <see cref="Window"/>.</summary>
    [Range(1, 10_000)]
    public int PerUser { get; set; } = 6;

    /// <summary>Model-backed requests one server may make per <see cref="Window"/>, all users together.</summary>
    [Range(1, 100_000)]
    public int PerServer { get; set; } = 60;

    /// <summary>The window of <see cref="PerUser"/> and <see cref="PerServer"/> (held per process).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Model tokens (prompt + completion, as the endpoint reports them) a server may spend per UTC day, counted in the
    /// library across processes; when spent, answers are extractive with a note. 0 means no daily budget.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long DailyTokensPerServer { get; set; } = 200_000;
}
