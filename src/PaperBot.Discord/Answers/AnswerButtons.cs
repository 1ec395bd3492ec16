using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Usage;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Conversations;
using PaperBot.Discord.FairUse;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Answers;

/// <summary>
/// The buttons under an answer (<c>answer:*</c>): Sources (ephemeral), Summarize #n (select), Compare cited,
/// Follow up (a modal; its submit answers with the history) and Continue in thread. State comes from the custom id
/// and the answers table, so a button works after a restart; one older than its data says so, ephemerally.
/// </summary>
internal sealed class AnswerButtons(
    IAnswerStore answers,
    IConversationStore conversations,
    IPaperAssistant assistant,
    AnswerFlow flow,
    ThreadStarter threads,
    FairUseGate fairUse,
    InteractionResponder responder,
    IOptions<ConversationOptions> options,
    TimeProvider time,
    ILogger<AnswerButtons> logger) : IComponentHandler
{
    public string Prefix => AnswerComponents.Prefix;

    public async Task HandleAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (AnswerComponents.Parse(interaction.CustomId) is not { } parsed)
        {
            throw new UserFacingException("This button no longer works. Run the command again.");
        }

        var answer = await answers.GetAsync(parsed.AnswerId, cancellationToken);
        if (answer is null)
        {
            var days = (int)Math.Round(options.Value.AnswerRetention.TotalDays);
            throw new UserFacingException($"This answer is older than PaperBot keeps answers ({days} days), so its buttons no longer work. Ask again with /ask.");
        }

        switch (parsed.Action)
        {
            case AnswerComponents.Sources:
                await responder.ReplyAsync(interaction, Sources(answer), cancellationToken);
                break;
            case AnswerComponents.Summarize:
                await SummarizeAsync(interaction, answer, cancellationToken);
                break;
            case AnswerComponents.Compare:
                await CompareAsync(interaction, answer, cancellationToken);
                break;
            case AnswerComponents.FollowUp:
                await responder.ShowModalAsync(interaction, new Modal(
                    AnswerComponents.CustomId(AnswerComponents.FollowUpModal, answer.Id),
                    "Follow up",
                    [new TextInput(AnswerComponents.QuestionInput, "Your follow-up question", Paragraph: true,
                        MinLength: AnswerComponents.MinQuestion, MaxLength: AnswerComponents.MaxQuestion,
                        Placeholder: "And how does that compare to mixture-of-experts models?")]), cancellationToken);
                break;
            case AnswerComponents.FollowUpModal:
                await FollowUpAsync(interaction, answer, cancellationToken);
                break;
            case AnswerComponents.ContinueInThread:
                await ContinueInThreadAsync(interaction, answer, cancellationToken);
                break;
            default:
                throw new UserFacingException("This button no longer works. Run the command again.");
        }
    }

    private static DiscordMessage Sources(StoredAnswer answer)
    {
        if (answer.Citations.Count == 0)
        {
            return DiscordMessage.Text("This answer cites no sources.", ephemeral: true);
        }

        var fields = answer.Citations.OrderBy(c => c.N).Take(MessageLimits.EmbedFields).Select(c =>
        {
            var value = new StringBuilder();
            value.Append(c.Link is { } link ? $"[open]({link})" : "no link").Append(CultureInfo.InvariantCulture, $" · `{c.PaperId}`");
            if (!string.IsNullOrWhiteSpace(c.Excerpt))
            {
                value.Append("\n> ").Append(MessageSplitter.Truncate(string.Join(' ', c.Excerpt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), 600));
            }

            return new EmbedField(MessageSplitter.Truncate($"[{c.N}] {c.Title}", MessageLimits.FieldName), MessageSplitter.Truncate(value.ToString(), MessageLimits.FieldValue));
        }).ToList();
        var embed = new DiscordEmbed { Title = "Sources", Description = MessageSplitter.Truncate("Q: " + answer.Question, 300), Fields = fields };
        return new DiscordMessage(null, [embed], Ephemeral: true);
    }

    private async Task SummarizeAsync(Interaction interaction, StoredAnswer answer, CancellationToken cancellationToken)
    {
        var paper = interaction.ComponentValues.Count == 1 ? interaction.ComponentValues[0] : null;
        if (paper is null || !AnswerComponents.CitedPapers(answer).Contains(paper, StringComparer.Ordinal))
        {
            throw new UserFacingException("Pick one of the papers this answer cites.");
        }

        await RunModelBackedAsync(interaction, async (extractiveOnly, ct) => ReplyRenderer.Summary(await assistant.SummarizeAsync(paper, SummaryLevel.Tldr, extractiveOnly, ct)), cancellationToken);
    }

    private async Task CompareAsync(Interaction interaction, StoredAnswer answer, CancellationToken cancellationToken)
    {
        var papers = AnswerComponents.CitedPapers(answer);
        if (papers.Count is < 2 or > 5)
        {
            throw new UserFacingException("Compare needs an answer that cites 2 to 5 papers.");
        }

        await RunModelBackedAsync(interaction, async (extractiveOnly, ct) => ReplyRenderer.Comparison(await assistant.CompareAsync(papers, extractiveOnly, ct)), cancellationToken);
    }

    private async Task FollowUpAsync(Interaction interaction, StoredAnswer answer, CancellationToken cancellationToken)
    {
        var question = interaction.ModalValues.TryGetValue(AnswerComponents.QuestionInput, out var text)
            ? string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            : "";
        if (question.Length is < AnswerComponents.MinQuestion or > AnswerComponents.MaxQuestion)
        {
            throw new UserFacingException($"Write a follow-up question of {AnswerComponents.MinQuestion} to {AnswerComponents.MaxQuestion} characters.");
        }

        if (fairUse.TryAcquire(interaction) is { } refusal)
        {
            throw new UserFacingException(refusal);
        }

        var conversation = interaction.ChannelId is { } channel ? await conversations.GetAsync(channel, cancellationToken) : null;
        var history = conversation is not null
            ? await conversations.RecentTurnsAsync(conversation.ThreadId, options.Value.HistoryTurns, cancellationToken)
            : [new ConversationTurn(answer.Question, answer.Text)];
        await responder.DeferAsync(interaction, cancellationToken);
        AnswerResult result;
        try
        {
            result = await flow.AnswerAsync(
                new AnswerRequest(question, interaction.GuildId, interaction.ChannelId, interaction.UserId, flow.FitHistory(history), OfferThread: conversation is null),
                (partial, ct) => responder.EditOriginalAsync(interaction, partial, ct),
                cancellationToken);
        }
        catch (UserFacingException ex)
        {
            await responder.EditOriginalAsync(interaction, DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content)), cancellationToken);
            return;
        }

        // Stored before the answer shows, so a follow-up sent the moment it appears already has this turn.
        if (conversation is not null)
        {
            await conversations.AddTurnAsync(conversation.ThreadId, new ConversationTurn(question, result.Stored.Text), time.GetUtcNow(), cancellationToken);
        }

        var parts = MessageSplitter.Split(result.Message);
        await responder.EditOriginalAsync(interaction, parts[0], cancellationToken);
        foreach (var more in parts.Skip(1))
        {
            await responder.FollowupAsync(interaction, more, cancellationToken);
        }
    }

    private async Task ContinueInThreadAsync(Interaction interaction, StoredAnswer answer, CancellationToken cancellationToken)
    {
        if (interaction.ChannelId is not { } channelId || interaction.MessageId is not { } messageId)
        {
            throw new UserFacingException("Threads can be opened from an answer in a server channel.");
        }

        if (await conversations.GetAsync(channelId, cancellationToken) is not null)
        {
            throw new UserFacingException("This answer is already in a conversation thread: ask your follow-up here.");
        }

        await responder.DeferAsync(interaction, cancellationToken, ephemeral: true);
        var threadId = await threads.StartAsync(channelId, messageId, interaction.GuildId, interaction.UserId,
            new ConversationTurn(answer.Question, answer.Text), cancellationToken);
        logger.LogInformation("Answer {AnswerId} continued in thread {ThreadId}", answer.Id, threadId);
        await responder.EditOriginalAsync(interaction, DiscordMessage.Text($"Continue in <#{threadId}>."), cancellationToken);
    }

    /// <summary>Fair use, then a public "thinking…" that the result (or a short error) replaces.</summary>
    // run receives whether the server's daily budget is spent (extractive only); the reply then carries the budget note.
    private async Task RunModelBackedAsync(Interaction interaction, Func<bool, CancellationToken, Task<DiscordMessage>> run, CancellationToken cancellationToken)
    {
        if (fairUse.TryAcquire(interaction) is { } refusal)
        {
            throw new UserFacingException(refusal);
        }

        await responder.DeferAsync(interaction, cancellationToken);
        DiscordMessage message;
        var budget = await fairUse.CheckBudgetAsync(interaction.GuildId, cancellationToken);
        var usage = TokenUsageScope.Begin();
        try
        {
            message = FairUseGate.WithBudgetNote(await run(budget.ExtractiveOnly, cancellationToken), budget);
        }
        catch (UserFacingException ex)
        {
            message = DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content));
        }
        finally
        {
            usage.Dispose();
            await fairUse.RecordAsync(interaction.GuildId, usage.Total, CancellationToken.None);
        }

        var parts = MessageSplitter.Split(message);
        await responder.EditOriginalAsync(interaction, parts[0], cancellationToken);
        foreach (var more in parts.Skip(1))
        {
            await responder.FollowupAsync(interaction, more, cancellationToken);
        }
    }
}
