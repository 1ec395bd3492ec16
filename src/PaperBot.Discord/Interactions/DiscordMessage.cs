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
        json["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() };
        if (includeFlags && Ephemeral)
        {
            json["flags"] = EphemeralFlag;
        }

        return json;
    }
}
