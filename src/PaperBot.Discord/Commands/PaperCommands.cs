using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Commands;
using PaperBot.Core.Conversations;
using PaperBot.Discord.Conversations;
using PaperBot.Discord.FairUse;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Commands;

/// <summary>
/// The slash commands of <see cref="SlashCommandCatalog"/>, wired to the Core ports:
/// /ask, /search, /summarize, /compare and /help.
/// </summary>
internal sealed class PaperCommands(
    IPaperAssistant assistant,
    IPaperDirectory directory,
    AnswerFlow flow,
    ThreadStarter threads,
    IConversationStore conversations,
    FairUseGate fairUse,
    InteractionResponder responder,
    IOptions<ConversationOptions> conversationOptions,
    TimeProvider time,
    ILogger<PaperCommands> logger)
    : ISlashCommandModule
{
    // Answers waiting for their thread (/ask thread:true) until the reply is shown; removed in AfterReplyAsync.
    private readonly ConcurrentDictionary<string, StoredAnswer> _threadPending = new(StringComparer.Ordinal);

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

        if (interaction.CommandName is SlashCommandCatalog.Ask && Text(interaction, "question").Length < 3)
        {
            return "Ask a question of at least 3 characters.";
        }

        // Checked before deferring so that "try again in N s" is ephemeral; /search and /help use no model.
        return interaction.CommandName is SlashCommandCatalog.Ask or SlashCommandCatalog.Summarize or SlashCommandCatalog.Compare
            ? fairUse.TryAcquire(interaction)
            : null;
    }

    /// <summary>Runs a validated command. User errors are <see cref="UserFacingException"/>s.</summary>
    public async Task<DiscordMessage> ExecuteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        switch (interaction.CommandName)
        {
            case SlashCommandCatalog.Ask:
                return await AskAsync(interaction, cancellationToken);

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
                var budget = await fairUse.CheckBudgetAsync(interaction.GuildId, cancellationToken);
                await using var usage = new UsageRecording(fairUse, interaction.GuildId);
                var level = (interaction.Option("level")?.AsString()?.Trim().ToLowerInvariant()) switch
                {
                    "detailed" => SummaryLevel.Detailed,
                    "eli5" => SummaryLevel.Eli5,
                    _ => SummaryLevel.Tldr,
                };
                var summary = await assistant.SummarizeAsync(Text(interaction, "paper"), level, budget.ExtractiveOnly, cancellationToken);
                return FairUseGate.WithBudgetNote(ReplyRenderer.Summary(summary), budget);
            }

            case SlashCommandCatalog.Compare:
            {
                var budget = await fairUse.CheckBudgetAsync(interaction.GuildId, cancellationToken);
                await using var usage = new UsageRecording(fairUse, interaction.GuildId);
                var comparison = await assistant.CompareAsync(ComparePapers(interaction), budget.ExtractiveOnly, cancellationToken);
                return FairUseGate.WithBudgetNote(ReplyRenderer.Comparison(comparison), budget);
            }

            case SlashCommandCatalog.Help:
            {
                var help = ReplyRenderer.Help(SlashCommandCatalog.All);
                var fairUseLine = await fairUse.DescribeAsync(interaction.GuildId, cancellationToken);
                return help with { Embeds = [help.Embeds[0] with { Fields = [.. help.Embeds[0].Fields, new EmbedField("Fair use", fairUseLine)] }] };
            }

            default:
                throw new UserFacingException($"I don't know /{interaction.CommandName}. Try /help.");
        }
    }

    /// <summary>
    /// /ask: in a conversation thread it continues the conversation (history, new turn); elsewhere the answer offers
    /// Continue in thread, and <c>thread:true</c> opens the thread at once (after the reply, from its message).
    /// </summary>
    private async Task<DiscordMessage> AskAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        var question = Text(interaction, "question");
        logger.LogDebug("Ask {InteractionId}: {Question}", interaction.Id, question);
        var conversation = interaction.ChannelId is { } channel ? await conversations.GetAsync(channel, cancellationToken) : null;
        var history = conversation is null
            ? []
            : flow.FitHistory(await conversations.RecentTurnsAsync(conversation.ThreadId, conversationOptions.Value.HistoryTurns, cancellationToken));
        var result = await flow.AnswerAsync(
            new AnswerRequest(question, interaction.GuildId, interaction.ChannelId, interaction.UserId, history, OfferThread: conversation is null && interaction.GuildId is not null),
            (partial, ct) => responder.EditOriginalAsync(interaction, partial, ct),
            cancellationToken);
        if (conversation is not null)
        {
            await conversations.AddTurnAsync(conversation.ThreadId, new ConversationTurn(question, result.Stored.Text), time.GetUtcNow(), cancellationToken);
        }
        else if (interaction.Option("thread")?.AsBoolean() == true && interaction.GuildId is not null)
        {
            _threadPending[interaction.Id] = result.Stored;
        }

        return result.Message;
    }

    /// <summary>Opens the thread that <c>/ask … thread:true</c> asked for, from the answer message.</summary>
    public async Task AfterReplyAsync(Interaction interaction, string? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (!_threadPending.TryRemove(interaction.Id, out var answer) || interaction.ChannelId is not { } channelId)
        {
            return;
        }

        if (messageId is null)
        {
            throw new UserFacingException("The answer is posted, but Discord did not say which message it is, so no thread was opened. Use Continue in thread.");
        }

        await threads.StartAsync(channelId, messageId, interaction.GuildId, interaction.UserId, new ConversationTurn(answer.Question, answer.Text), cancellationToken);
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
