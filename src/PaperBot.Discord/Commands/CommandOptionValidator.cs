using PaperBot.Core.Commands;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Commands;

/// <summary>
/// Checks an invocation against its <see cref="CommandSpec"/> on the server side (Discord validates on the
/// client only, and a modified client or a stale registration can send anything): the subcommand, required
/// options, lengths, choices, number ranges, and the command's default member permissions.
/// </summary>
internal static class CommandOptionValidator
{
    /// <summary>A user-facing problem, or null when the invocation is acceptable.</summary>
    public static string? Validate(CommandSpec command, Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(interaction);
        if (command.DefaultMemberPermissions is { } required && ulong.TryParse(required, out var bits) && !interaction.MemberHas(bits))
        {
            // A moderator's per-channel override can show the command to more members; the rule still holds here.
            return interaction.GuildId is null
                ? $"/{command.Name} works in a server only."
                : $"/{command.Name} needs the {PermissionName(bits)} permission.";
        }

        var spec = command;
        if (command.Subcommands is { Count: > 0 } subcommands)
        {
            spec = command.Subcommand(interaction.SubcommandName)!;
            if (spec is null)
            {
                return $"/{command.Name} needs one of: {string.Join(", ", subcommands.Select(s => s.Name))}.";
            }
        }

        var label = spec == command ? $"/{command.Name}" : $"/{command.Name} {spec.Name}";
        foreach (var option in spec.Options)
        {
            var given = interaction.Option(option.Name);
            if (option.Kind == OptionKind.Text)
            {
                var text = given?.AsString();
                if (string.IsNullOrWhiteSpace(text))
                {
                    if (option.Required)
                    {
                        return $"{label} needs `{option.Name}` ({option.Description}).";
                    }

                    continue;
                }

                if (option.MaxLength is { } max && text.Length > max)
                {
                    return $"`{option.Name}` is too long ({text.Length} characters, at most {max}).";
                }

                if (option.Choices is { Count: > 0 } choices && !choices.Contains(text.Trim().ToLowerInvariant()))
                {
                    return $"`{option.Name}` must be one of: {string.Join(", ", choices)}.";
                }
            }
            else
            {
                if (given is null)
                {
                    if (option.Required)
                    {
                        return $"{label} needs `{option.Name}` ({option.Description}).";
                    }

                    continue;
                }

                if (option.Kind == OptionKind.Boolean)
                {
                    if (given.AsBoolean() is null)
                    {
                        return $"`{option.Name}` must be true or false.";
                    }

                    continue;
                }

                if (option.Kind == OptionKind.Attachment)
                {
                    if (given.AsString() is not { } attachmentId || !interaction.Attachments.ContainsKey(attachmentId))
                    {
                        return $"`{option.Name}` must be a file attached to the command.";
                    }

                    continue;
                }

                var number = given.AsInteger();
                if (number is null || (option.MinValue is { } min && number < min) || (option.MaxValue is { } maxValue && number > maxValue))
                {
                    return $"`{option.Name}` must be a whole number from {option.MinValue} to {option.MaxValue}.";
                }
            }
        }

        return null;
    }

    private static string PermissionName(ulong bits) => bits == Interaction.ManageGuild ? "Manage Server" : $"permission {bits}";
}
