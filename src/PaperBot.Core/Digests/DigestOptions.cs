using System.ComponentModel.DataAnnotations;

namespace PaperBot.Core.Digests;

/// <summary>Daily digests. Section <c>Digest</c>.</summary>
public sealed class DigestOptions
{
    public const string SectionName = "Digest";

    /// <summary>Whether the bot posts scheduled digests (the CLI verbs work either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How far a new subscription's first digest looks back over the papers added to the library.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "90.00:00:00")]
    public TimeSpan FirstLookback { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Posted when nothing relevant is new; empty posts nothing on such days.</summary>
    public string? NothingNewMessage { get; set; } = "Nothing new on your topics today.";

    /// <summary>Papers per digest when the subscription does not say (1-20).</summary>
    [Range(1, 20)]
    public int DefaultMax { get; set; } = 8;

    /// <summary>
    /// Relevance (0-10) below which a paper is dropped when the subscription does not say. Similarity maps
    /// to this scale linearly (see README, "Measured relevance"); the model scores 1-10 itself.
    /// </summary>
    [Range(0.0, 10.0)]
    public double DefaultMinScore { get; set; } = 4.0;

    /// <summary>Papers the model scores at most (the best by similarity); the rest are ranked by similarity only.</summary>
    [Range(1, 50)]
    public int ModelShortlist { get; set; } = 15;

    /// <summary>How often the scheduler looks for due digests (it also wakes at the next due time).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SchedulerPoll { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a claimed run belongs to the process that claimed it. A run still unfinished after that
    /// (its process crashed) is resumed by whichever process looks next.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Weight of 👍 papers in a channel's topic profile (Rocchio β).</summary>
    [Range(0.0, 2.0)]
    public double LikeWeight { get; set; } = 0.5;

    /// <summary>Weight of 👎 papers in a channel's topic profile (Rocchio γ).</summary>
    [Range(0.0, 2.0)]
    public double DislikeWeight { get; set; } = 0.3;
}
