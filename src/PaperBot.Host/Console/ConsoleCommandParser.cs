using System.Globalization;
using System.Text.RegularExpressions;
using PaperBot.Core;
using PaperBot.Core.Commands;

namespace PaperBot.Host.Interactive;

/// <summary>A console line parsed against <see cref="SlashCommandCatalog"/>: the command and its option values by name.</summary>
internal sealed record ConsoleCommand(CommandSpec Spec, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The subcommand (<c>/digest preview</c> → preview), whose options <see cref="Options"/> holds; or null.</summary>
    public CommandSpec? Subcommand { get; init; }

    public string? this[string option] => Options.TryGetValue(option, out var value) ? value : null;
}

/// <summary>
/// Parses <c>/command</c> lines with the slash commands' names and options: named (<c>level:eli5</c>,
/// <c>paper1:…</c>) as in Discord, or positional text (<c>/summarize 2305.07759 eli5</c>).
/// Values are checked against the option specs (required, range, choices, length).
/// </summary>
internal static partial class ConsoleCommandParser
{
    public static ConsoleCommand Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var trimmed = line.Trim();
        var space = trimmed.IndexOfAny([' ', '\t']);
        var name = (space < 0 ? trimmed[1..] : trimmed[1..space]).ToLowerInvariant();
        var rest = space < 0 ? "" : trimmed[(space + 1)..].Trim();
        var spec = SlashCommandCatalog.All.FirstOrDefault(c => c.Name == name)
            ?? throw new UserFacingException($"Unknown command /{name}. Type /help for the commands.");

        CommandSpec? subcommand = null;
        if (spec.Subcommands is { Count: > 0 } subcommands)
        {
            var word = rest.Split([' ', '\t'], 2)[0];
            subcommand = spec.Subcommand(word.ToLowerInvariant())
                ?? throw new UserFacingException($"/{spec.Name} needs one of: {string.Join(", ", subcommands.Select(c => c.Name))}. Example: /{spec.Name} {subcommands[0].Name}");
            rest = rest[word.Length..].Trim();
        }

        var target = subcommand ?? spec;
        var options = ParseNamed(target, rest, out var positional);
        if (positional.Length > 0)
        {
            if (options.Count == 0)
            {
                options = ParsePositional(target, positional);
            }
            else if (target.Options.Count > 0 && !options.ContainsKey(target.Options[0].Name))
            {
                // "/search pruning top:3": leading text is the first option.
                options[target.Options[0].Name] = positional;
            }
            else
            {
                throw new UserFacingException($"Put '{positional}' in an option or leave all options positional. Example: {Example(target)}");
            }
        }

        Validate(target, options);
        return new ConsoleCommand(spec, options) { Subcommand = subcommand };
    }

    private static Dictionary<string, string> ParseNamed(CommandSpec spec, string text, out string positional)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        positional = text;
        if (spec.Options.Count == 0 || text.Length == 0)
        {
            return values;
        }

        var names = string.Join('|', spec.Options.Select(o => Regex.Escape(o.Name)));
        var markers = Regex.Matches(text, $@"(?<=^|\s)({names}):", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        if (markers.Count == 0)
        {
            return values;
        }

        positional = text[..markers[0].Index].Trim();
        for (var i = 0; i < markers.Count; i++)
        {
            var start = markers[i].Index + markers[i].Length;
            var end = i + 1 < markers.Count ? markers[i + 1].Index : text.Length;
            var option = markers[i].Groups[1].Value.ToLowerInvariant();
            if (!values.TryAdd(option, text[start..end].Trim()))
            {
                throw new UserFacingException($"Option {option} is given twice.");
            }
        }

        return values;
    }

    private static Dictionary<string, string> ParsePositional(CommandSpec spec, string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        switch (spec.Name)
        {
            case SlashCommandCatalog.Search when words.Length > 1 && int.TryParse(words[^1], NumberStyles.None, CultureInfo.InvariantCulture, out _):
                values["query"] = string.Join(' ', words[..^1]);
                values["top"] = words[^1];
                break;
            case SlashCommandCatalog.Summarize when words.Length > 1 && spec.Options[1].Choices!.Contains(words[^1].ToLowerInvariant()):
                values["paper"] = string.Join(' ', words[..^1]);
                values["level"] = words[^1].ToLowerInvariant();
                break;
            case SlashCommandCatalog.Compare:
                // Titles contain spaces: with ';', ',' or '|' those separate papers, otherwise whitespace does.
                var papers = text.IndexOfAny([';', ',', '|']) >= 0
                    ? text.Split([';', ',', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : words;
                if (papers.Length > spec.Options.Count)
                {
                    throw new UserFacingException($"/compare takes 2 to {spec.Options.Count} papers (got {papers.Length}).");
                }

                for (var i = 0; i < papers.Length; i++)
                {
                    values[spec.Options[i].Name] = papers[i];
                }

                break;
            default:
                if (spec.Options.Count > 0)
                {
                    values[spec.Options[0].Name] = text;
                }

                break;
        }

        return values;
    }

    private static void Validate(CommandSpec spec, Dictionary<string, string> values)
    {
        foreach (var option in spec.Options)
        {
            if (!values.TryGetValue(option.Name, out var value) || value.Length == 0)
            {
                values.Remove(option.Name);
                if (option.Required)
                {
                    throw new UserFacingException($"/{spec.Name} needs {option.Name} ({option.Description}). Example: {Example(spec)}");
                }

                continue;
            }

            if (option.MaxLength is { } max && value.Length > max)
            {
                throw new UserFacingException($"{option.Name} is too long ({value.Length} characters; at most {max}).");
            }

            if (option.Choices is { } choices && !choices.Contains(value.ToLowerInvariant()))
            {
                throw new UserFacingException($"{option.Name} must be one of {string.Join(", ", choices)} (got '{value}').");
            }

            if (option.Kind == OptionKind.WholeNumber)
            {
                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    || number < (option.MinValue ?? int.MinValue) || number > (option.MaxValue ?? int.MaxValue))
                {
                    throw new UserFacingException($"{option.Name} must be a whole number from {option.MinValue} to {option.MaxValue} (got '{value}').");
                }
            }
        }
    }

    public static string Example(CommandSpec spec) => spec.Name switch
    {
        SlashCommandCatalog.Ask => "/ask How do small models learn to write stories?",
        SlashCommandCatalog.Search => "/search query:structured pruning top:3",
        SlashCommandCatalog.Summarize => "/summarize paper:2305.07759 level:eli5",
        SlashCommandCatalog.Compare => "/compare paper1:Dolma paper2:TinyStories",
        _ => "/" + spec.Name,
    };
}
