using Microsoft.Extensions.Logging;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Commands;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Commands;

/// <summary>
/// The slash commands of <see cref="SlashCommandCatalog"/>, wired to the Core ports:
/// /ask, /search, /summarize, /compare and /help.
/// </summary>
internal sealed class PaperCommands(IPaperAssistant assistant, IPaperDirectory directory, ILogger<PaperCommands> logger)
{
    private static readonly string[] PaperOptions = ["paper", "paper1", "paper2", "paper3", "paper4", "paper5"];

    public static bool Exists(string name) => SlashCommandCatalog.All.Any(c => c.Name == name);

    /// <summary>Every command but /help may wait on the library or the model, so it is deferred.</summary>
    public static bool Defers(string name) => name != SlashCommandCatalog.Help;

    /// <summary>Checks the options against the catalog (Discord validates on the client only); returns a user-facing problem or null.</summary>
    public static string? Validate(Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var spec = SlashCommandCatalog.All.First(c => c.Name == interaction.CommandName);
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
                        return $"/{spec.Name} needs `{option.Name}` ({option.Description}).";
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
                var number = given?.AsInteger();
                if (given is null)
                {
                    if (option.Required)
                    {
                        return $"/{spec.Name} needs `{option.Name}` ({option.Description}).";
                    }

                    continue;
                }

                if (number is null || (option.MinValue is { } min && number < min) || (option.MaxValue is { } maxValue && number > maxValue))
                {
                    return $"`{option.Name}` must be a whole number from {option.MinValue} to {option.MaxValue}.";
                }
            }
        }

        if (interaction.CommandName == SlashCommandCatalog.Compare)
        {
            var papers = ComparePapers(interaction);
            if (papers.Distinct(StringComparer.OrdinalIgnoreCase).Count() != papers.Count)
            {
                return "Pick different papers to compare (the same one appears twice).";
            }
        }

        return null;
    }

    /// <summary>Runs a validated command. User errors are <see cref="UserFacingException"/>s.</summary>
    public async Task<DiscordMessage> ExecuteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        switch (interaction.CommandName)
        {
            case SlashCommandCatalog.Ask:
            {
                var question = Text(interaction, "question");
                logger.LogDebug("Ask {InteractionId}: {Question}", interaction.Id, question);
                var answer = await assistant.AskAsync(new AskRequest(question), cancellationToken);
                return ReplyRenderer.Answer(question, answer);
            }

            case SlashCommandCatalog.Search:
            {
                var query = Text(interaction, "query");
                var top = (int)(interaction.Option("top")?.AsInteger() ?? 5);
                var hits = await directory.SearchAsync(query, top, cancellationToken);
                if (hits.Count == 0)
                {
                    throw new UserFacingException($"No paper matches '{MessageSplitter.Truncate(query, 100)}'. Try other words or /ask.");
                }

                return ReplyRenderer.Search(query, hits);
            }

            case SlashCommandCatalog.Summarize:
            {
                var level = (interaction.Option("level")?.AsString()?.Trim().ToLowerInvariant()) switch
                {
                    "detailed" => SummaryLevel.Detailed,
                    "eli5" => SummaryLevel.Eli5,
                    _ => SummaryLevel.Tldr,
                };
                var summary = await assistant.SummarizeAsync(Text(interaction, "paper"), level, cancellationToken);
                return ReplyRenderer.Summary(summary);
            }

            case SlashCommandCatalog.Compare:
                return ReplyRenderer.Comparison(await assistant.CompareAsync(ComparePapers(interaction), cancellationToken));

            case SlashCommandCatalog.Help:
                return ReplyRenderer.Help(SlashCommandCatalog.All);

            default:
                throw new UserFacingException($"I don't know /{interaction.CommandName}. Try /help.");
        }
    }

    /// <summary>Paper suggestions for the option being typed (ids as values, titles as names).</summary>
    public async Task<IReadOnlyList<AutocompleteChoice>> AutocompleteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var focused = interaction.FocusedOption;
        if (focused is null || !PaperOptions.Contains(focused.Name))
        {
            return [];
        }

        var papers = await directory.SuggestAsync(focused.AsString()?.Trim() ?? "", AutocompleteChoice.MaxChoices, cancellationToken);
        return papers
            .Where(p => p.Id.Length <= AutocompleteChoice.MaxLength)
            .Select(p => new AutocompleteChoice($"{p.Title} ({p.Id})", p.Id))
            .ToList();
    }

    private static List<string> ComparePapers(Interaction interaction) =>
        PaperOptions.Skip(1)
            .Select(name => interaction.Option(name)?.AsString()?.Trim())
            .OfType<string>()
            .Where(s => s.Length > 0)
            .ToList();

    private static string Text(Interaction interaction, string name) =>
        interaction.Option(name)?.AsString()?.Trim() ?? throw new UserFacingException($"Missing `{name}`.");
}
