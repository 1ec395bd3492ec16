using System.Text.Json.Nodes;

namespace PaperBot.Discord.Interactions;

/// <summary>A field of an embed.</summary>
internal sealed record EmbedField(string Name, string Value, bool Inline = false);

/// <summary>A rich embed; only the parts PaperBot uses.</summary>
internal sealed record DiscordEmbed
{
    public string? Title { get; init; }

    public string? Description { get; init; }

    public string? Url { get; init; }

    public int? Color { get; init; }

    public string? AuthorName { get; init; }

    public string? Footer { get; init; }

    public IReadOnlyList<EmbedField> Fields { get; init; } = [];

    /// <summary>Characters that count towards the 6000 total of a message.</summary>
    public int TextLength =>
        (Title?.Length ?? 0) + (Description?.Length ?? 0) + (AuthorName?.Length ?? 0) + (Footer?.Length ?? 0)
        + Fields.Sum(f => f.Name.Length + f.Value.Length);

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (Title is not null)
        {
            json["title"] = Title;
        }

        if (Description is not null)
        {
            json["description"] = Description;
        }

        if (Url is not null)
        {
            json["url"] = Url;
        }

        if (Color is not null)
        {
            json["color"] = Color;
        }

        if (AuthorName is not null)
        {
            json["author"] = new JsonObject { ["name"] = AuthorName };
        }

        if (Footer is not null)
        {
            json["footer"] = new JsonObject { ["text"] = Footer };
        }

        if (Fields.Count > 0)
        {
            var fields = new JsonArray();
            foreach (var field in Fields)
            {
                fields.Add(new JsonObject { ["name"] = field.Name, ["value"] = field.Value, ["inline"] = field.Inline });
            }

            json["fields"] = fields;
        }

        return json;
    }
}

/// <summary>
/// A message the bot sends. Its JSON always carries <c>allowed_mentions: {"parse": []}</c>, so model
/// output or paper text can never ping @everyone, roles or users.
/// </summary>
internal sealed record DiscordMessage(string? Content, IReadOnlyList<DiscordEmbed> Embeds, bool Ephemeral = false)
{
    public const int EphemeralFlag = 1 << 6;

    /// <summary>Rows of buttons or select menus under the message (at most 5 rows).</summary>
    public IReadOnlyList<ActionRow> Components { get; init; } = [];

    public static DiscordMessage Text(string content, bool ephemeral = false) => new(content, [], ephemeral);

    /// <summary>The JSON body. <paramref name="includeFlags"/> is false for edits (ephemerality is fixed when the reply is created).</summary>
    public JsonObject ToJson(bool includeFlags = true)
    {
        var json = new JsonObject();
        if (Content is not null)
        {
            json["content"] = Content;
        }

        var embeds = new JsonArray();
        foreach (var embed in Embeds)
        {
            embeds.Add(embed.ToJson());
        }

        json["embeds"] = embeds;
        var rows = new JsonArray();
        foreach (var row in Components)
        {
            rows.Add(row.ToJson());
        }

        // Always sent, so that an edit without buttons also removes the old ones.
        json["components"] = rows;
        json["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() };
        if (includeFlags && Ephemeral)
        {
            json["flags"] = EphemeralFlag;
        }

        return json;
    }
}

/// <summary>Button styles; <see cref="Link"/> buttons carry a URL instead of a custom id.</summary>
internal enum ButtonStyle
{
    Primary = 1,
    Secondary = 2,
    Success = 3,
    Danger = 4,
    Link = 5,
}

/// <summary>A component inside an action row.</summary>
internal abstract record MessageComponent
{
    /// <summary>Longest <c>custom_id</c> Discord accepts.</summary>
    public const int MaxCustomIdLength = 100;

    public abstract JsonObject ToJson();

    protected static string CheckedCustomId(string customId) =>
        customId.Length is > 0 and <= MaxCustomIdLength
            ? customId
            : throw new ArgumentException($"A custom_id must be 1-{MaxCustomIdLength} characters (got {customId.Length}).", nameof(customId));
}

/// <summary>A button (label up to 80 characters). A link button has <paramref name="Url"/> and no custom id.</summary>
internal sealed record Button(string Label, string? CustomId, ButtonStyle Style = ButtonStyle.Secondary, string? Emoji = null, string? Url = null, bool Disabled = false)
    : MessageComponent
{
    public const int MaxLabelLength = 80;

    public override JsonObject ToJson()
    {
        var json = new JsonObject { ["type"] = 2, ["style"] = (int)Style };
        if (Label.Length > 0)
        {
            json["label"] = Label.Length <= MaxLabelLength ? Label : Label[..(MaxLabelLength - 1)] + "…";
        }

        if (Style == ButtonStyle.Link)
        {
            json["url"] = Url ?? throw new InvalidOperationException("A link button needs a URL.");
        }
        else
        {
            json["custom_id"] = CheckedCustomId(CustomId ?? throw new InvalidOperationException("A button needs a custom_id."));
        }

        if (Emoji is not null)
        {
            json["emoji"] = new JsonObject { ["name"] = Emoji };
        }

        if (Disabled)
        {
            json["disabled"] = true;
        }

        return json;
    }
}

/// <summary>One choice of a select menu (label and value up to 100 characters).</summary>
internal sealed record SelectOption(string Label, string Value, string? Description = null);

/// <summary>A string select menu (1-25 options).</summary>
internal sealed record SelectMenu(string CustomId, string Placeholder, IReadOnlyList<SelectOption> Options, int MinValues = 1, int MaxValues = 1)
    : MessageComponent
{
    public const int MaxOptions = 25;
    private const int MaxText = 100;

    public override JsonObject ToJson()
    {
        var options = new JsonArray();
        foreach (var option in Options.Take(MaxOptions))
        {
            var json = new JsonObject { ["label"] = Cut(option.Label), ["value"] = Cut(option.Value) };
            if (option.Description is not null)
            {
                json["description"] = Cut(option.Description);
            }

            options.Add(json);
        }

        return new JsonObject
        {
            ["type"] = 3,
            ["custom_id"] = CheckedCustomId(CustomId),
            ["placeholder"] = Cut(Placeholder, 150),
            ["options"] = options,
            ["min_values"] = MinValues,
            ["max_values"] = Math.Min(MaxValues, options.Count),
        };
    }

    private static string Cut(string text, int max = MaxText) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

/// <summary>A row of up to five buttons, or one select menu.</summary>
internal sealed record ActionRow(IReadOnlyList<MessageComponent> Items)
{
    public const int MaxButtons = 5;

    public JsonObject ToJson()
    {
        var items = new JsonArray();
        foreach (var item in Items.Take(MaxButtons))
        {
            items.Add(item.ToJson());
        }

        return new JsonObject { ["type"] = 1, ["components"] = items };
    }
}

/// <summary>A modal with one or more paragraph or short text inputs (type 9 callback).</summary>
internal sealed record Modal(string CustomId, string Title, IReadOnlyList<TextInput> Inputs)
{
    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        foreach (var input in Inputs.Take(5))
        {
            rows.Add(new JsonObject { ["type"] = 1, ["components"] = new JsonArray(input.ToJson()) });
        }

        return new JsonObject
        {
            ["custom_id"] = CustomId.Length <= MessageComponent.MaxCustomIdLength ? CustomId : throw new ArgumentException("custom_id too long"),
            ["title"] = Title.Length <= 45 ? Title : Title[..44] + "…",
            ["components"] = rows,
        };
    }
}

/// <summary>A text input of a modal.</summary>
internal sealed record TextInput(string CustomId, string Label, bool Paragraph = true, int MinLength = 1, int MaxLength = 1000, string? Placeholder = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["type"] = 4,
            ["custom_id"] = CustomId,
            ["style"] = Paragraph ? 2 : 1,
            ["label"] = Label.Length <= 45 ? Label : Label[..44] + "…",
            ["min_length"] = MinLength,
            ["max_length"] = MaxLength,
            ["required"] = MinLength > 0,
        };
        if (Placeholder is not null)
        {
            json["placeholder"] = Placeholder.Length <= 100 ? Placeholder : Placeholder[..99] + "…";
        }

        return json;
    }
}
