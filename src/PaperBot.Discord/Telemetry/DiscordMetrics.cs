using System.Diagnostics.Metrics;

namespace PaperBot.Discord.Telemetry;

/// <summary>Metrics of the Discord layer: interactions, gateway reconnects and REST rate limits.</summary>
internal static class DiscordMetrics
{
    public const string MeterName = "PaperBot.Discord";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Interactions handled, tagged with <c>command</c> and <c>outcome</c> (<c>ok</c>, <c>invalid</c>, <c>user_error</c>, <c>timeout</c>, <c>error</c>, <c>busy</c>).</summary>
    public static readonly Counter<long> Interactions = Meter.CreateCounter<long>(
        "paperbot.interactions", description: "Interactions handled, by command and outcome.");

    /// <summary>Receive → first response accepted by Discord (the 3-second rule), in milliseconds.</summary>
    public static readonly Histogram<double> AcknowledgeDuration = Meter.CreateHistogram<double>(
        "paperbot.interaction.ack.duration", unit: "ms", description: "From receiving an interaction to its first response.");

    /// <summary>Receive → final answer edited in, in milliseconds.</summary>
    public static readonly Histogram<double> AnswerDuration = Meter.CreateHistogram<double>(
        "paperbot.interaction.duration", unit: "ms", description: "From receiving an interaction to its final answer.");

    /// <summary>Gateway reconnects, tagged with <c>reason</c> (a close code, <c>zombie</c>, <c>reconnect_requested</c>, <c>invalid_session</c>, <c>network</c>).</summary>
    public static readonly Counter<long> GatewayReconnects = Meter.CreateCounter<long>(
        "paperbot.gateway.reconnects", description: "Gateway reconnects, by reason.");

    /// <summary>429 answers from the REST API, tagged with <c>scope</c> (<c>user</c>, <c>global</c>, <c>shared</c>).</summary>
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>(
        "paperbot.rest.rate_limited", description: "429 answers from Discord's REST API, by scope.");
}
