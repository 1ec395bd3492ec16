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
    DeferredUpdateMessage = 6,
    UpdateMessage = 7,
    AutocompleteResult = 8,
    Modal = 9,
}

/// <summary>A command option value (sub-commands flattened away).</summary>
internal sealed record InteractionOption(string Name, int Type, JsonElement? Value, bool Focused)
{
    public string? AsString() => Value is { ValueKind: JsonValueKind.String } v ? v.GetString()
        : Value is { ValueKind: JsonValueKind.Number } n ? n.GetRawText() : null;

    public bool? AsBoolean() => Value switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => null,
    };

    public long? AsInteger() => Value switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var l) => l,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };
}

/// <summary>A file attached to a command option.</summary>
internal sealed record InteractionAttachment(string Id, string FileName, string Url, string? ContentType, long Size);

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
    /// <summary>The subcommand invoked (<c>/digest subscribe</c> → <c>subscribe</c>), or null.</summary>
    public string? SubcommandName { get; init; }

    /// <summary>A button's, select menu's or modal's <c>custom_id</c>.</summary>
    public string? CustomId { get; init; }

    /// <summary>The values chosen in a select menu.</summary>
    public IReadOnlyList<string> ComponentValues { get; init; } = [];

    /// <summary>A modal's text inputs, by their <c>custom_id</c>.</summary>
    public IReadOnlyDictionary<string, string> ModalValues { get; init; } = new Dictionary<string, string>();

    /// <summary>Files attached to a command's attachment options, by attachment id (<c>data.resolved.attachments</c>).</summary>
    public IReadOnlyDictionary<string, InteractionAttachment> Attachments { get; init; } = new Dictionary<string, InteractionAttachment>();

    /// <summary>The id of the message a component is attached to.</summary>
    public string? MessageId { get; init; }

    /// <summary>The invoking member's permissions in the channel (overwrites applied), or null outside a server.</summary>
    public ulong? MemberPermissions { get; init; }

    /// <summary>Whether the member holds every bit of <paramref name="permission"/> (ADMINISTRATOR implies all).</summary>
    public bool MemberHas(ulong permission) =>
        MemberPermissions is { } held && ((held & Administrator) == Administrator || (held & permission) == permission);

    /// <summary>The ADMINISTRATOR permission bit.</summary>
    public const ulong Administrator = 1UL << 3;

    /// <summary>The MANAGE_GUILD permission bit.</summary>
    public const ulong ManageGuild = 1UL << 5;

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
        var type = OptionalInt(json, "type") is { } ti ? (InteractionType)ti
            : throw new FormatException("Interaction has no numeric type.");
        var applicationId = OptionalString(json, "application_id") ?? "";
        string? userId = null;
        ulong? permissions = null;
        if (json.TryGetProperty("member", out var member) && member.ValueKind == JsonValueKind.Object)
        {
            if (member.TryGetProperty("user", out var mu) && mu.ValueKind == JsonValueKind.Object)
            {
                userId = OptionalString(mu, "id");
            }

            if (ulong.TryParse(OptionalString(member, "permissions"), NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
            {
                permissions = bits;
            }
        }
        else if (json.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object)
        {
            userId = OptionalString(user, "id");
        }

        string? name = null;
        string? subcommand = null;
        string? customId = null;
        var options = new List<InteractionOption>();
        var values = new List<string>();
        var modalValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var attachments = new Dictionary<string, InteractionAttachment>(StringComparer.Ordinal);
        if (json.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            name = OptionalString(data, "name");
            customId = OptionalString(data, "custom_id");
            if (data.TryGetProperty("options", out var opts))
            {
                Flatten(opts, options, ref subcommand, depth: 0);
            }

            if (data.TryGetProperty("values", out var chosen) && chosen.ValueKind == JsonValueKind.Array)
            {
                values.AddRange(chosen.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
            }

            if (data.TryGetProperty("components", out var rows))
            {
                CollectModalValues(rows, modalValues, depth: 0);
            }

            if (data.TryGetProperty("resolved", out var resolved) && resolved.ValueKind == JsonValueKind.Object
                && resolved.TryGetProperty("attachments", out var files) && files.ValueKind == JsonValueKind.Object)
            {
                foreach (var file in files.EnumerateObject())
                {
                    if (file.Value.ValueKind == JsonValueKind.Object && OptionalString(file.Value, "url") is { } url)
                    {
                        attachments[file.Name] = new InteractionAttachment(file.Name, OptionalString(file.Value, "filename") ?? "file",
                            url, OptionalString(file.Value, "content_type"),
                            file.Value.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var bytes) ? bytes : 0);
                    }
                }
            }
        }

        string? messageId = null;
        if (json.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
        {
            messageId = OptionalString(message, "id");
        }

        return new Interaction(id, applicationId, type, token, OptionalString(json, "guild_id"),
            OptionalString(json, "channel_id"), userId, name, options)
        {
            SubcommandName = subcommand,
            CustomId = customId,
            ComponentValues = values,
            ModalValues = modalValues,
            Attachments = attachments,
            MessageId = messageId,
            MemberPermissions = permissions,
        };
    }

    /// <summary>Text inputs sit in action rows (or labels) of the submitted modal.</summary>
    private static void CollectModalValues(JsonElement components, Dictionary<string, string> into, int depth)
    {
        if (components.ValueKind != JsonValueKind.Array || depth > 3)
        {
            return;
        }

        foreach (var component in components.EnumerateArray())
        {
            if (component.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (OptionalString(component, "custom_id") is { } id && OptionalString(component, "value") is { } value)
            {
                into[id] = value;
            }

            if (component.TryGetProperty("components", out var nested))
            {
                CollectModalValues(nested, into, depth + 1);
            }

            if (component.TryGetProperty("component", out var single) && single.ValueKind == JsonValueKind.Object
                && OptionalString(single, "custom_id") is { } singleId && OptionalString(single, "value") is { } singleValue)
            {
                into[singleId] = singleValue;
            }
        }
    }

    private static void Flatten(JsonElement options, List<InteractionOption> into, ref string? subcommand, int depth)
    {
        if (options.ValueKind != JsonValueKind.Array || depth > 2)
        {
            return;
        }

        foreach (var option in options.EnumerateArray())
        {
            if (option.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var type = OptionalInt(option, "type") ?? 0;
            if (type is 1 or 2)
            {
                // A group (2) holds a subcommand (1); the innermost subcommand names what runs.
                subcommand = OptionalString(option, "name");
                if (option.TryGetProperty("options", out var nested))
                {
                    Flatten(nested, into, ref subcommand, depth + 1);
                }

                continue;
            }

            into.Add(new InteractionOption(
                OptionalString(option, "name") ?? "",
                type,
                option.TryGetProperty("value", out var v) ? v.Clone() : null,
                option.TryGetProperty("focused", out var f) && f.ValueKind == JsonValueKind.True));
        }
    }

    /// <summary>Reads id and token only, so that an interaction too malformed to parse can still be answered.</summary>
    public static (string Id, string Token)? TryReadIdentity(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object && OptionalString(json, "id") is { } id && OptionalString(json, "token") is { } token
            ? (id, token)
            : null;

    // TryGetInt32 throws on a non-number; a field of the wrong shape must read as missing instead.
    private static int? OptionalInt(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    private static string RequiredString(JsonElement json, string name) =>
        OptionalString(json, name) ?? throw new FormatException($"Interaction has no '{name}'.");

    private static string? OptionalString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
