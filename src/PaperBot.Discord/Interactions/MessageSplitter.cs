namespace PaperBot.Discord.Interactions;

/// <summary>Discord's message limits (DOCS resources/message.mdx), counted in UTF-16 code units.</summary>
internal static class MessageLimits
{
    public const int Content = 2000;
    public const int EmbedsPerMessage = 10;
    public const int EmbedTitle = 256;
    public const int EmbedDescription = 4096;
    public const int EmbedFields = 25;
    public const int FieldName = 256;
    public const int FieldValue = 1024;
    public const int Footer = 2048;
    public const int AuthorName = 256;
    public const int EmbedTotal = 6000;
    public const int ActionRows = 5;
}

/// <summary>
/// Splits long output into messages that respect every limit: 2000 content characters, embed title,
/// description, field, footer and author limits, 25 fields, 10 embeds and 6000 embed characters per
/// message. Text is cut at paragraph breaks first, then lines, sentences, words; never inside a
/// surrogate pair.
/// </summary>
internal static class MessageSplitter
{
    private const string Ellipsis = "…";

    /// <summary>Splits <paramref name="message"/> into one or more messages within Discord's limits.</summary>
    public static IReadOnlyList<DiscordMessage> Split(DiscordMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var contentChunks = string.IsNullOrWhiteSpace(message.Content) ? [] : SplitText(message.Content, MessageLimits.Content);
        var embeds = message.Embeds.SelectMany(NormalizeEmbed).ToList();
        if (contentChunks.Count == 0 && embeds.Count == 0)
        {
            throw new ArgumentException("A message needs content or an embed (Discord rejects empty messages).", nameof(message));
        }

        var messages = new List<DiscordMessage>();
        for (var i = 0; i < contentChunks.Count - 1; i++)
        {
            messages.Add(new DiscordMessage(contentChunks[i], [], message.Ephemeral));
        }

        string? content = contentChunks.Count > 0 ? contentChunks[^1] : null;
        var current = new List<DiscordEmbed>();
        var total = 0;
        foreach (var embed in embeds)
        {
            if (current.Count == MessageLimits.EmbedsPerMessage || total + embed.TextLength > MessageLimits.EmbedTotal)
            {
                messages.Add(new DiscordMessage(content, current, message.Ephemeral));
                content = null;
                current = [];
                total = 0;
            }

            current.Add(embed);
            total += embed.TextLength;
        }

        if (content is not null || current.Count > 0)
        {
            messages.Add(new DiscordMessage(content, current, message.Ephemeral));
        }

        // Buttons belong under the end of the reply; at most five rows (Discord's limit).
        if (message.Components.Count > 0)
        {
            messages[^1] = messages[^1] with { Components = message.Components.Take(MessageLimits.ActionRows).ToList() };
        }

        return messages;
    }

    /// <summary>Cuts text to at most <paramref name="max"/> code units, ending with an ellipsis when cut.</summary>
    public static string Truncate(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - Ellipsis.Length;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut].TrimEnd() + Ellipsis;
    }

    /// <summary>Splits text into chunks of at most <paramref name="max"/> code units at the best break available.</summary>
    public static IReadOnlyList<string> SplitText(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2);
        var chunks = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            // Skip whitespace the previous cut left at the front.
            while (start < text.Length && char.IsWhiteSpace(text[start]))
            {
                start++;
            }

            if (start >= text.Length)
            {
                break;
            }

            var remaining = text.Length - start;
            if (remaining <= max)
            {
                chunks.Add(text[start..].TrimEnd());
                break;
            }

            var cut = FindCut(text, start, max);
            var chunk = text[start..cut].TrimEnd();
            if (chunk.Length > 0)
            {
                chunks.Add(chunk);
            }

            start = cut;
        }

        return chunks;
    }

    private static int FindCut(string text, int start, int max)
    {
        var end = start + max; // exclusive upper bound of the chunk
        var window = text.AsSpan(start, max);
        var minimum = max / 2; // a break in the first half would waste too much space

        var paragraph = window.LastIndexOf("\n\n");
        if (paragraph >= minimum)
        {
            return start + paragraph + 2;
        }

        var line = window.LastIndexOf('\n');
        if (line >= minimum)
        {
            return start + line + 1;
        }

        for (var i = window.Length - 2; i >= minimum; i--)
        {
            if (window[i] is '.' or '!' or '?' && char.IsWhiteSpace(window[i + 1]))
            {
                return start + i + 1;
            }
        }

        var space = window.LastIndexOf(' ');
        if (space >= minimum)
        {
            return start + space + 1;
        }

        return char.IsHighSurrogate(text[end - 1]) ? end - 1 : end;
    }

    private static IEnumerable<DiscordEmbed> NormalizeEmbed(DiscordEmbed embed)
    {
        var title = embed.Title is null ? null : Truncate(embed.Title, MessageLimits.EmbedTitle);
        var author = embed.AuthorName is null ? null : Truncate(embed.AuthorName, MessageLimits.AuthorName);
        var footer = embed.Footer is null ? null : Truncate(embed.Footer, MessageLimits.Footer);
        var fields = new List<EmbedField>();
        foreach (var field in embed.Fields)
        {
            var name = Truncate(string.IsNullOrWhiteSpace(field.Name) ? "\u200b" : field.Name, MessageLimits.FieldName);
            var parts = SplitText(string.IsNullOrWhiteSpace(field.Value) ? "—" : field.Value, MessageLimits.FieldValue);
            for (var i = 0; i < parts.Count; i++)
            {
                fields.Add(new EmbedField(i == 0 ? name : Truncate(name + " (cont.)", MessageLimits.FieldName), parts[i], field.Inline));
            }
        }

        var descriptions = string.IsNullOrWhiteSpace(embed.Description)
            ? [null]
            : SplitText(embed.Description, MessageLimits.EmbedDescription).Cast<string?>().ToList();

        var pieces = new List<DiscordEmbed>();
        for (var i = 0; i < descriptions.Count; i++)
        {
            pieces.Add(i == 0
                ? new DiscordEmbed { Title = title, Url = embed.Url, AuthorName = author, Description = descriptions[i], Color = embed.Color }
                : new DiscordEmbed { Description = descriptions[i], Color = embed.Color });
        }

        var last = pieces[^1];
        var lastFields = new List<EmbedField>();
        foreach (var field in fields)
        {
            var length = last.TextLength + lastFields.Sum(f => f.Name.Length + f.Value.Length);
            if (lastFields.Count == MessageLimits.EmbedFields || length + field.Name.Length + field.Value.Length > MessageLimits.EmbedTotal)
            {
                pieces[^1] = last with { Fields = lastFields };
                last = new DiscordEmbed { Color = embed.Color };
                pieces.Add(last);
                lastFields = [];
            }

            lastFields.Add(field);
        }

        last = last with { Fields = lastFields };
        if (footer is not null && last.TextLength + footer.Length > MessageLimits.EmbedTotal)
        {
            pieces[^1] = last;
            last = new DiscordEmbed { Color = embed.Color };
            pieces.Add(last);
        }

        pieces[^1] = last with { Footer = footer };

        // An embed with nothing in it is rejected; drop such leftovers.
        return pieces.Where(p => p.TextLength > 0 || p.Url is not null);
    }
}
