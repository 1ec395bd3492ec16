using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Conversations;

namespace PaperBot.Discord.Conversations;

/// <summary>Deletes conversation turns older than <c>Conversations:MaxAge</c> and answers older than <c>Conversations:AnswerRetention</c>, every <c>PruneInterval</c>.</summary>
internal sealed class ConversationPruner(
    IConversationStore conversations,
    IAnswerStore answers,
    IOptions<ConversationOptions> options,
    TimeProvider time,
    ILogger<ConversationPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed tick is logged; the next one tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Pruning old conversations failed");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>One pruning pass.</summary>
    public async Task PruneOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var turns = await conversations.PruneAsync(now - options.Value.MaxAge, cancellationToken);
        var removed = await answers.PruneAsync(now - options.Value.AnswerRetention, cancellationToken);
        if (turns + removed > 0)
        {
            logger.LogInformation("Pruned {Turns} conversation rows and {Answers} answers", turns, removed);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
