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
    : ISlashCommandModule
{
    private static readonly string[] PaperOptions = ["paper", "paper1", "paper2", "paper3", "paper4", "paper5"];

    private static readonly string[] Names =
        [SlashCommandCatalog.Ask, SlashCommandCatalog.Search, SlashCommandCatalog.Summarize, SlashCommandCatalog.Compare, SlashCommandCatalog.Help];

    public bool Handles(string commandName) => Names.Contains(commandName);

    /// <summary>Every command but /help may wait on the library or the model, so it is deferred.</summary>
    public CommandDeferral Deferral(Interaction interaction) =>
        interaction?.CommandName == SlashCommandCatalog.Help ? CommandDeferral.None : CommandDeferral.Public;

    /// <summary>Checks what the catalog's option rules cannot express; returns a user-facing problem or null.</summary>
    public string? Validate(Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
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
