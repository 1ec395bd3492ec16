using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Conversations;
using PaperBot.Core.Usage;
using PaperBot.Discord.Answers;
using PaperBot.Discord.Commands;
using PaperBot.Discord.FairUse;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Conversations;

/// <summary>A question to answer in Discord, with where it was asked and the conversation so far.</summary>
internal sealed record AnswerRequest(string Question, string? GuildId, string? ChannelId, string? UserId, IReadOnlyList<ConversationTurn> History, bool OfferThread);

/// <summary>The final answer message (sources and buttons) and the stored answer behind its buttons.</summary>
internal sealed record AnswerResult(DiscordMessage Message, StoredAnswer Stored);

/// <summary>
/// Answers a question for every way in (/ask, Follow up, thread messages): applies the server's daily budget
/// (extractive with a note when spent), streams the text into the message at most once per
/// <see cref="ConversationOptions.StreamEditInterval"/>, counts the tokens spent, and stores the answer for its buttons.
/// A failure after text was shown keeps that text and adds a note instead of an error.
/// </summary>
internal sealed class AnswerFlow(
    IPaperAssistant assistant,
    IAnswerStore answers,
    FairUseGate fairUse,
    IOptions<ConversationOptions> options,
    TimeProvider time,
    ILogger<AnswerFlow> logger)
{
    internal const string StoppedNote = "The answer stopped before it was complete; what is shown above is partial. Try again in a minute.";
    private const string Writing = " …";

    /// <summary>Answers; <paramref name="showProgress"/> receives the partial message while the text streams.</summary>
    public async Task<AnswerResult> AnswerAsync(AnswerRequest request, Func<DiscordMessage, CancellationToken, Task> showProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(showProgress);
        var budget = await fairUse.CheckBudgetAsync(request.GuildId, cancellationToken);
        var ask = new AskRequest(request.Question, request.History) { ExtractiveOnly = budget.ExtractiveOnly };
        var interval = options.Value.StreamEditInterval;
        var text = new StringBuilder();
        AssistantAnswer? final = null;
        string? note = budget.ExtractiveOnly ? FairUseGate.BudgetNote : null;
        var usage = TokenUsageScope.Begin();
        try
        {
            // Timed from the first text, so an answer that arrives whole (extractive) is shown once, with its buttons.
            long? lastEdit = null;
            long? lastShown = null;
            var shown = 0;
            await foreach (var update in assistant.AskStreamingAsync(ask, cancellationToken))
            {
                if (update.Final is { } complete)
                {
                    final = complete;
                    break;
                }

                text.Append(update.TextDelta);
                lastEdit ??= time.GetTimestamp();
                if (text.Length > shown && time.GetElapsedTime(lastEdit.Value) >= interval)
                {
                    await showProgress(Progress(request.Question, text.ToString()), cancellationToken);
                    lastEdit = lastShown = time.GetTimestamp();
                    shown = text.Length;
                }
            }

            // The final edit keeps the same spacing as the progress edits.
            if (lastShown is { } shownAt && interval - time.GetElapsedTime(shownAt) is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        catch (Exception ex) when (text.Length > 0 && ex is not UserFacingException)
        {
            // Keep what was shown; a new error message would replace it.
            logger.AnswerStreamFailed(ex, text.Length);
            note = StoppedNote;
        }
        finally
        {
            usage.Dispose();
            await fairUse.RecordAsync(request.GuildId, usage.Total, CancellationToken.None);
        }

        final ??= new AssistantAnswer(text.ToString(), AnswerMode.Generated, [], []);
        var stored = new StoredAnswer(0, request.GuildId, request.ChannelId, request.UserId, request.Question, final.Text, final.Mode, final.Citations, time.GetUtcNow());
        stored = stored with { Id = await answers.SaveAsync(stored, CancellationToken.None) };
        var message = AnswerComponents.Render(stored, request.OfferThread, note);
        return new AnswerResult(message, stored);
    }

    /// <summary>The earlier turns that fit the history budget (newest kept first), oldest first.</summary>
    public IReadOnlyList<ConversationTurn> FitHistory(IReadOnlyList<ConversationTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var budget = options.Value.HistoryTokens * 4;
        var kept = new List<ConversationTurn>();
        foreach (var turn in turns.Reverse())
        {
            budget -= turn.Question.Length + turn.Answer.Length;
            if (budget < 0 && kept.Count > 0)
            {
                break;
            }

            kept.Add(turn);
        }

        kept.Reverse();
        return kept;
    }

    private static DiscordMessage Progress(string question, string text)
    {
        var partial = new AssistantAnswer(MessageSplitter.Truncate(text, MessageLimits.EmbedDescription - Writing.Length) + Writing, AnswerMode.Generated, [], []);
        var message = ReplyRenderer.Answer(question, partial);
        return message with { Embeds = [message.Embeds[0] with { Footer = "Writing…" }] };
    }
}
