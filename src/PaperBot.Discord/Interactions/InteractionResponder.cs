using System.Text.Json.Nodes;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Interactions;

/// <summary>The HTTP calls that answer an interaction (callback, edit of the original response, followups).</summary>
internal sealed class InteractionResponder(DiscordRestClient rest)
{
    /// <summary>Type 5: "thinking…"; with <paramref name="ephemeral"/> only the invoking user sees it and the answer.</summary>
    public Task DeferAsync(Interaction interaction, CancellationToken cancellationToken, bool ephemeral = false)
    {
        var body = new JsonObject { ["type"] = (int)InteractionCallbackType.DeferredChannelMessageWithSource };
        if (ephemeral)
        {
            body["data"] = new JsonObject { ["flags"] = DiscordMessage.EphemeralFlag };
        }

        return CallbackAsync(interaction, body, cancellationToken);
    }

    /// <summary>Type 6, for components: acknowledge now, edit the message (or follow up) later.</summary>
    public Task DeferUpdateAsync(Interaction interaction, CancellationToken cancellationToken) =>
        CallbackAsync(interaction, new JsonObject { ["type"] = (int)InteractionCallbackType.DeferredUpdateMessage }, cancellationToken);

    /// <summary>Type 7, for components: replace the message the component is attached to.</summary>
    public Task UpdateMessageAsync(Interaction interaction, DiscordMessage message, CancellationToken cancellationToken) =>
        CallbackAsync(interaction, new JsonObject
        {
            ["type"] = (int)InteractionCallbackType.UpdateMessage,
            ["data"] = message.ToJson(includeFlags: false),
        }, cancellationToken);

    /// <summary>Type 9: open a modal (not allowed in answer to a modal submit).</summary>
    public Task ShowModalAsync(Interaction interaction, Modal modal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(modal);
        return CallbackAsync(interaction, new JsonObject { ["type"] = (int)InteractionCallbackType.Modal, ["data"] = modal.ToJson() }, cancellationToken);
    }

    public Task ReplyAsync(Interaction interaction, DiscordMessage message, CancellationToken cancellationToken) =>
        CallbackAsync(interaction, new JsonObject
        {
            ["type"] = (int)InteractionCallbackType.ChannelMessageWithSource,
            ["data"] = message.ToJson(),
        }, cancellationToken);

    public Task AutocompleteAsync(Interaction interaction, IReadOnlyList<AutocompleteChoice> choices, CancellationToken cancellationToken)
    {
        var array = new JsonArray();
        foreach (var choice in choices)
        {
            array.Add(new JsonObject { ["name"] = choice.Name, ["value"] = choice.Value });
        }

        return CallbackAsync(interaction, new JsonObject
        {
            ["type"] = (int)InteractionCallbackType.AutocompleteResult,
            ["data"] = new JsonObject { ["choices"] = array },
        }, cancellationToken);
    }

    /// <summary>Edits the original response; returns Discord's message object (with its id).</summary>
    public Task<System.Text.Json.JsonElement?> EditOriginalAsync(Interaction interaction, DiscordMessage message, CancellationToken cancellationToken) =>
        rest.SendAsync(RestRoute.OriginalResponse(HttpMethod.Patch, interaction.ApplicationId, interaction.Token), message.ToJson(includeFlags: false), cancellationToken);

    public Task DeleteOriginalAsync(Interaction interaction, CancellationToken cancellationToken) =>
        rest.SendAsync(RestRoute.OriginalResponse(HttpMethod.Delete, interaction.ApplicationId, interaction.Token), null, cancellationToken);

    public Task FollowupAsync(Interaction interaction, DiscordMessage message, CancellationToken cancellationToken) =>
        rest.SendAsync(RestRoute.Followup(interaction.ApplicationId, interaction.Token), message.ToJson(), cancellationToken);

    private Task<System.Text.Json.JsonElement?> CallbackAsync(Interaction interaction, JsonObject body, CancellationToken cancellationToken) =>
        rest.SendAsync(RestRoute.InteractionCallback(interaction.Id, interaction.Token), body, cancellationToken);
}

/// <summary>An autocomplete suggestion: <paramref name="Name"/> is shown, <paramref name="Value"/> is sent back (both 1–100 characters).</summary>
internal sealed record AutocompleteChoice(string Name, string Value)
{
    public const int MaxChoices = 25;
    public const int MaxLength = 100;
}
