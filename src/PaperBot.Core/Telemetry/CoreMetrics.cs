using System.Diagnostics.Metrics;

namespace PaperBot.Core.Telemetry;

/// <summary>
/// Metrics of the library: search latency, feed fetches and digest runs. Every PaperBot meter is named
/// <c>PaperBot.*</c>; the host exports them (Prometheus or OTLP) when metrics are configured, and they cost
/// next to nothing when nobody listens.
/// </summary>
public static class CoreMetrics
{
    /// <summary>The prefix of every PaperBot meter name.</summary>
    public const string MeterPrefix = "PaperBot";

    /// <summary>This meter's name.</summary>
    public const string MeterName = "PaperBot.Core";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Search latency in milliseconds, tagged with the ranking (<c>hybrid</c>, <c>lexicalonly</c>, <c>semanticonly</c>).</summary>
    public static readonly Histogram<double> SearchDuration = Meter.CreateHistogram<double>(
        "paperbot.search.duration", unit: "ms", description: "Time to answer one search, query embedding included.");

    /// <summary>Feed fetches, tagged with <c>source</c> and <c>outcome</c> (<c>fetched</c>, <c>notmodified</c>, <c>failed</c>).</summary>
    public static readonly Counter<long> FeedFetches = Meter.CreateCounter<long>(
        "paperbot.feeds.fetches", description: "Fetches of a configured feed, by source and outcome.");

    /// <summary>Digest runs, tagged with <c>outcome</c> (<c>posted</c>, <c>nothingtopost</c>, <c>alreadyclaimed</c>, <c>paused</c>).</summary>
    public static readonly Counter<long> DigestRuns = Meter.CreateCounter<long>(
        "paperbot.digests.runs", description: "Scheduled or manual digest runs, by outcome.");
}
