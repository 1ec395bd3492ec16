using System.Globalization;
using System.Text.Json;

namespace PaperBot.Discord.Interactions;

/// <summary>Interaction types (DOCS interactions/receiving-and-responding.mdx).</summary>
internal enum InteractionType
{
    Ping = 1,
    ApplicationCommand = 2,
    MessageComponent = 3,
    Autocomplete = 4,
    ModalSubmit = 5,
}

/// <summary>Interaction callback types.</summary>
internal enum InteractionCallbackType
{
    Pong = 1,
    ChannelMessageWithSource = 4,
    DeferredChannelMessageWithSource = 5,
    AutocompleteResult = 8,
}

/// <summary>A command option value (sub-commands flattened away).</summary>
internal sealed record InteractionOption(string Name, int Type, JsonElement? Value, bool Focused)
{
    public string? AsString() => Value is { ValueKind: JsonValueKind.String } v ? v.GetString()
        : Value is { ValueKind: JsonValueKind.Number } n ? n.GetRawText() : null;

    public long? AsInteger() => Value switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var l) => l,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };
}

/// <summary>The parts of an interaction PaperBot uses. Unknown fields are ignored.</summary>
internal sealed record Interaction(
    string Id,
    string ApplicationId,
    InteractionType Type,
    string Token,
    string? GuildId,
    string? ChannelId,
    string? UserId,
    string? CommandName,
    IReadOnlyList<InteractionOption> Options)
{
    public InteractionOption? Option(string name) => Options.FirstOrDefault(o => o.Name == name);

    public InteractionOption? FocusedOption => Options.FirstOrDefault(o => o.Focused);

    /// <summary>Parses an interaction object (the <c>d</c> of INTERACTION_CREATE, or an HTTP interaction body).</summary>
    /// <exception cref="FormatException">A required field is missing.</exception>
    public static Interaction Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("An interaction must be a JSON object.");
        }

        var id = RequiredString(json, "id");
        var token = RequiredString(json, "token");
        var type = json.TryGetProperty("type", out var t) && t.TryGetInt32(out var ti) ? (InteractionType)ti
            : throw new FormatException("Interaction has no type.");
        var applicationId = OptionalString(json, "application_id") ?? "";
        string? userId = null;
        if (json.TryGetProperty("member", out var member) && member.TryGetProperty("user", out var mu))
        {
            userId = OptionalString(mu, "id");
        }
        else if (json.TryGetProperty("user", out var user))
        {
            userId = OptionalString(user, "id");
        }

        string? name = null;
        var options = new List<InteractionOption>();
        if (json.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            name = OptionalString(data, "name");
            if (data.TryGetProperty("options", out var opts))
            {
                Flatten(opts, options, depth: 0);
            }
        }

        return new Interaction(id, applicationId, type, token, OptionalString(json, "guild_id"),
            OptionalString(json, "channel_id"), userId, name, options);
    }

    private static void Flatten(JsonElement options, List<InteractionOption> into, int depth)
    {
        if (options.ValueKind != JsonValueKind.Array || depth > 2)
        {
            return;
        }

        foreach (var option in options.EnumerateArray())
        {
            var type = option.TryGetProperty("type", out var t) && t.TryGetInt32(out var ti) ? ti : 0;
            if (type is 1 or 2 && option.TryGetProperty("options", out var nested))
            {
                Flatten(nested, into, depth + 1);
                continue;
            }

            into.Add(new InteractionOption(
                OptionalString(option, "name") ?? "",
                type,
                option.TryGetProperty("value", out var v) ? v.Clone() : null,
                option.TryGetProperty("focused", out var f) && f.ValueKind == JsonValueKind.True));
        }
    }

    private static string RequiredString(JsonElement json, string name) =>
        OptionalString(json, name) ?? throw new FormatException($"Interaction has no '{name}'.");

    private static string? OptionalString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
