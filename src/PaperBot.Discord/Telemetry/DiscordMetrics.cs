using System.Diagnostics.Metrics;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Telemetry;

/// <summary>Metrics of the Discord layer: interactions, gateway reconnects and REST rate limits.</summary>
internal static class DiscordMetrics
{
    public const string MeterName = "PaperBot.Discord";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// Interactions handled, tagged with <c>command</c> and <c>outcome</c> (<c>ok</c>, <c>invalid</c>, <c>user_error</c>,
    /// <c>timeout</c>, <c>error</c>; <c>busy</c> when the queue was full, <c>expired</c> when it waited past Discord's window).
    /// </summary>
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

    /// <summary>The <c>command</c> tag: the command (with subcommand), or the component's custom-id prefix; a small, fixed set of values.</summary>
    public static string CommandTag(Interaction interaction) => interaction.Type switch
    {
        InteractionType.MessageComponent or InteractionType.ModalSubmit =>
            "component:" + (interaction.CustomId ?? "").Split(':', 2)[0],
        _ => interaction.SubcommandName is { } sub ? $"{interaction.CommandName} {sub}" : interaction.CommandName ?? "",
    };

    /// <summary>Counts an interaction that never reached a handler (<c>busy</c>, <c>expired</c>).</summary>
    public static void NotHandled(Interaction interaction, string outcome) =>
        Interactions.Add(1, new KeyValuePair<string, object?>("command", CommandTag(interaction)), new KeyValuePair<string, object?>("outcome", outcome));
}
