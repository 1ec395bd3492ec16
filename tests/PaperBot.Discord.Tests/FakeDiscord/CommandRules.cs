using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>Application-command registration rules (DOCS interactions/application-commands.mdx) that the schema cannot express.</summary>
internal static partial class CommandRules
{
    public static IEnumerable<string> Check(JsonObject command)
    {
        var name = command["name"]?.GetValue<string>() ?? "";
        var type = command["type"]?.GetValue<int>() ?? 1;
        if (type == 1 && (!NameRegex().IsMatch(name) || !string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal)))
        {
            yield return $"command name '{name}' must match ^[-_'\\p{{L}}\\p{{N}}]{{1,32}}$ and be lowercase";
        }

        var description = command["description"]?.GetValue<string>() ?? "";
        if (type == 1 && description.Length is < 1 or > 100)
        {
            yield return $"command '{name}' description must be 1-100 characters";
        }

        var total = name.Length + description.Length;
        var options = command["options"] as JsonArray ?? [];
        if (options.Count > 25)
        {
            yield return $"command '{name}' has {options.Count} options (max 25)";
        }

        var seenOptional = false;
        var names = new HashSet<string>();
        foreach (var option in options.OfType<JsonObject>())
        {
            var optionName = option["name"]?.GetValue<string>() ?? "";
            var optionDescription = option["description"]?.GetValue<string>() ?? "";
            total += optionName.Length + optionDescription.Length;
            if (!NameRegex().IsMatch(optionName) || !string.Equals(optionName, optionName.ToLowerInvariant(), StringComparison.Ordinal))
            {
                yield return $"option name '{optionName}' is invalid";
            }

            if (!names.Add(optionName))
            {
                yield return $"option name '{optionName}' is repeated";
            }

            if (optionDescription.Length is < 1 or > 100)
            {
                yield return $"option '{optionName}' description must be 1-100 characters";
            }

            var required = option["required"]?.GetValue<bool>() ?? false;
            if (required && seenOptional)
            {
                yield return $"required option '{optionName}' comes after an optional one";
            }

            seenOptional |= !required;
            var choices = option["choices"] as JsonArray;
            var autocomplete = option["autocomplete"]?.GetValue<bool>() ?? false;
            if (autocomplete && choices is { Count: > 0 })
            {
                yield return $"option '{optionName}' combines autocomplete with choices";
            }

            var optionType = option["type"]?.GetValue<int>() ?? 0;
            if (autocomplete && optionType is not (3 or 4 or 10))
            {
                yield return $"option '{optionName}': autocomplete only for STRING/INTEGER/NUMBER";
            }

            if (choices is { Count: > 25 })
            {
                yield return $"option '{optionName}' has {choices.Count} choices (max 25)";
            }

            foreach (var choice in choices ?? [])
            {
                var choiceName = choice?["name"]?.GetValue<string>() ?? "";
                var value = choice?["value"]?.ToString() ?? "";
                total += choiceName.Length + value.Length;
                if (choiceName.Length is < 1 or > 100 || value.Length > 100)
                {
                    yield return $"choice '{choiceName}' out of bounds";
                }
            }
        }

        if (total > 8000)
        {
            yield return $"command '{name}' has {total} characters (max 8000)";
        }
    }

    [GeneratedRegex(@"^[-_'\p{L}\p{N}]{1,32}$")]
    private static partial Regex NameRegex();
}
