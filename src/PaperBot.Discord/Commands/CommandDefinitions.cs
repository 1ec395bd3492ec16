using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PaperBot.Core.Commands;

namespace PaperBot.Discord.Commands;

/// <summary>Turns <see cref="SlashCommandCatalog"/> into Discord application-command JSON, and compares sets.</summary>
internal static class CommandDefinitions
{
    private const int ChatInput = 1;
    private const int SubcommandOption = 1;
    private const int StringOption = 3;
    private const int IntegerOption = 4;
    private const int BooleanOption = 5;
    private const int AttachmentOption = 11;
    private const int ChannelOption = 7;

    /// <summary>The body of the bulk-overwrite PUT.</summary>
    public static JsonArray Build(IReadOnlyList<CommandSpec> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var array = new JsonArray();
        foreach (var command in commands)
        {
            var options = new JsonArray();
            if (command.Subcommands is { Count: > 0 } subcommands)
            {
                foreach (var subcommand in subcommands)
                {
                    options.Add(new JsonObject
                    {
                        ["type"] = SubcommandOption,
                        ["name"] = subcommand.Name,
                        ["description"] = subcommand.Description,
                        ["options"] = BuildOptions(subcommand.Options),
                    });
                }
            }
            else
            {
                options = BuildOptions(command.Options);
            }

            var json = new JsonObject
            {
                ["type"] = ChatInput,
                ["name"] = command.Name,
                ["description"] = command.Description,
                ["options"] = options,
            };
            if (command.DefaultMemberPermissions is { } permissions)
            {
                // The OpenAPI schema types this as an integer (Discord answers with a string); both are accepted.
                json["default_member_permissions"] = long.Parse(permissions, System.Globalization.CultureInfo.InvariantCulture);
            }

            array.Add(json);
        }

        return array;
    }

    private static JsonArray BuildOptions(IReadOnlyList<OptionSpec> specs)
    {
        var options = new JsonArray();
        foreach (var option in specs)
        {
            var json = new JsonObject
            {
                ["type"] = option.Kind switch
                {
                    OptionKind.WholeNumber => IntegerOption,
                    OptionKind.Boolean => BooleanOption,
                    OptionKind.Attachment => AttachmentOption,
                    OptionKind.Channel => ChannelOption,
                    _ => StringOption,
                },
                ["name"] = option.Name,
                ["description"] = option.Description,
                ["required"] = option.Required,
            };
            if (option.Autocomplete)
            {
                json["autocomplete"] = true;
            }

            if (option.Kind == OptionKind.Channel)
            {
                json["channel_types"] = new JsonArray(0, 5); // text and announcement channels
            }

            if (option.MinValue is { } min)
            {
                json["min_value"] = min;
            }

            if (option.MaxValue is { } max)
            {
                json["max_value"] = max;
            }

            if (option.MaxLength is { } maxLength)
            {
                json["max_length"] = maxLength;
            }

            if (option.Choices is { Count: > 0 } choices)
            {
                var array = new JsonArray();
                foreach (var choice in choices)
                {
                    array.Add(new JsonObject { ["name"] = choice, ["value"] = choice });
                }

                json["choices"] = array;
            }

            options.Add(json);
        }

        return options;
    }

    /// <summary>
    /// A stable fingerprint of the fields we set, computed the same way from our definition and from
    /// Discord's answer (which adds ids, versions and defaults), so an unchanged set skips the PUT.
    /// </summary>
    public static string Fingerprint(JsonElement commands)
    {
        var canonical = new StringBuilder();
        if (commands.ValueKind == JsonValueKind.Array)
        {
            foreach (var command in commands.EnumerateArray().OrderBy(c => Str(c, "name"), StringComparer.Ordinal))
            {
                canonical.Append("cmd|").Append(Int(command, "type", 1)).Append('|').Append(Str(command, "name"))
                    .Append('|').Append(Str(command, "description")).Append('|').Append(Permissions(command)).Append('\n');
                AppendOptions(canonical, command, depth: 0);
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    private static void AppendOptions(StringBuilder canonical, JsonElement parent, int depth)
    {
        if (depth > 2 || !parent.TryGetProperty("options", out var options) || options.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var option in options.EnumerateArray())
        {
            canonical.Append("opt").Append(depth).Append('|').Append(Int(option, "type", 0)).Append('|').Append(Str(option, "name"))
                .Append('|').Append(Str(option, "description"))
                .Append('|').Append(Bool(option, "required")).Append('|').Append(Bool(option, "autocomplete"))
                .Append('|').Append(Raw(option, "min_value")).Append('|').Append(Raw(option, "max_value"))
                .Append('|').Append(Raw(option, "min_length")).Append('|').Append(Raw(option, "max_length"));
            if (option.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    canonical.Append("|c:").Append(Str(choice, "name")).Append('=').Append(Raw(choice, "value"));
                }
            }

            canonical.Append('\n');
            AppendOptions(canonical, option, depth + 1);
        }
    }

    public static string Fingerprint(JsonNode commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        using var doc = JsonDocument.Parse(commands.ToJsonString());
        return Fingerprint(doc.RootElement);
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    /// <summary>Permission bits as text, whether written as a number (our PUT) or a string (Discord's answer).</summary>
    private static string Permissions(JsonElement command) =>
        command.TryGetProperty("default_member_permissions", out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString() ?? "",
                JsonValueKind.Number => v.GetRawText(),
                _ => "",
            }
            : "";

    private static int Int(JsonElement e, string name, int fallback) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string Raw(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetRawText() : "";
}
