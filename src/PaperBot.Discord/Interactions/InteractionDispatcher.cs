using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Commands;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Telemetry;

namespace PaperBot.Discord.Interactions;

/// <summary>
/// Routes interactions to the commands. Central policy: duplicates (same interaction id) are ignored;
/// slow commands are deferred at once (type 5), well inside the 3-second window, and their result edits
/// the original response, split to Discord's limits; errors become a short ephemeral message;
/// autocomplete answers within its time budget with at most 25 choices.
/// </summary>
internal sealed class InteractionDispatcher
{
    private const string GenericError = "Something went wrong on our side. Please try again in a minute.";
    private static readonly TimeSpan DeduplicationWindow = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly InteractionResponder _responder;
    private readonly IReadOnlyList<ISlashCommandModule> _modules;
    private readonly IReadOnlyList<IComponentHandler> _components;
    private readonly DiscordOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InteractionDispatcher> _logger;
    private long _lastPrune;

    public InteractionDispatcher(
        InteractionResponder responder,
        IEnumerable<ISlashCommandModule> modules,
        IEnumerable<IComponentHandler> components,
        IOptions<DiscordOptions> options,
        TimeProvider time,
        ILogger<InteractionDispatcher> logger)
    {
        _responder = responder;
        _modules = modules.ToList();
        _components = components.ToList();
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after the first response (defer, reply or autocomplete result) was accepted; for latency measurement.</summary>
    public event Action<Interaction, TimeSpan>? Acknowledged;

    /// <summary>Handles one interaction to the end. Never throws (failures are logged).</summary>
    public async Task HandleAsync(Interaction interaction, long receivedTimestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (!MarkSeen(interaction.Id))
        {
            _logger.Duplicate(interaction.Id);
            return;
        }

        try
        {
            switch (interaction.Type)
            {
                case InteractionType.ApplicationCommand:
                    await HandleCommandAsync(interaction, receivedTimestamp, cancellationToken);
                    break;
                case InteractionType.Autocomplete:
                    await HandleAutocompleteAsync(interaction, receivedTimestamp, cancellationToken);
                    break;
                case InteractionType.MessageComponent or InteractionType.ModalSubmit:
                    await HandleComponentAsync(interaction, receivedTimestamp, cancellationToken);
                    break;
                default:
                    _logger.IgnoredType(interaction.Id, interaction.Type);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.AbandonedAtShutdown(interaction.Id);
        }
#pragma warning disable CA1031 // One failed interaction must not take the gateway loop down; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.Failed(ex, interaction.Id, interaction.CommandName);
        }
    }

    private async Task HandleCommandAsync(Interaction interaction, long receivedTimestamp, CancellationToken cancellationToken)
    {
        var name = interaction.CommandName ?? "";
        var module = _modules.FirstOrDefault(m => m.Handles(name));
        var spec = SlashCommandCatalog.All.FirstOrDefault(c => c.Name == name);
        if (module is null || spec is null)
        {
            _logger.UnknownCommand(name, interaction.Id);
            await _responder.ReplyAsync(interaction, DiscordMessage.Text($"I don't know /{name}. Try /help.", ephemeral: true), cancellationToken);
            OnAcknowledged(interaction, receivedTimestamp);
            OnFinished(interaction, receivedTimestamp, "invalid");
            return;
        }

        // Bad options and missing permissions are reported before deferring, so the error can be ephemeral at once.
        var problem = CommandOptionValidator.Validate(spec, interaction) ?? module.Validate(interaction);
        if (problem is not null)
        {
            await _responder.ReplyAsync(interaction, DiscordMessage.Text(problem, ephemeral: true), cancellationToken);
            OnAcknowledged(interaction, receivedTimestamp);
            OnFinished(interaction, receivedTimestamp, "invalid");
            return;
        }

        var deferral = module.Deferral(interaction);
        if (deferral == CommandDeferral.None)
        {
            var quick = MessageSplitter.Split(await module.ExecuteAsync(interaction, cancellationToken));
            await _responder.ReplyAsync(interaction, quick[0], cancellationToken);
            OnAcknowledged(interaction, receivedTimestamp);
            foreach (var more in quick.Skip(1))
            {
                await _responder.FollowupAsync(interaction, more, cancellationToken);
            }

            OnFinished(interaction, receivedTimestamp, "ok");
            return;
        }

        var ephemeral = deferral == CommandDeferral.Ephemeral;
        await _responder.DeferAsync(interaction, cancellationToken, ephemeral);
        OnAcknowledged(interaction, receivedTimestamp);

        var started = _time.GetTimestamp();
        DiscordMessage? error = null;
        var outcome = "ok";
        IReadOnlyList<DiscordMessage> messages = [];
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.CommandTimeout);
            try
            {
                messages = MessageSplitter.Split(await module.ExecuteAsync(interaction, timeout.Token));
            }
            catch (UserFacingException ex)
            {
                error = DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content), ephemeral: true);
                outcome = "user_error";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = "timeout";
                _logger.CommandTimedOut(name, interaction.Id, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                error = DiscordMessage.Text("That took too long and was stopped. Try a narrower request.", ephemeral: true);
            }
#pragma warning disable CA1031 // Any failure becomes a short message for the user; the details go to the log.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                _logger.CommandFailed(ex, name, interaction.Id);
                error = DiscordMessage.Text(GenericError, ephemeral: true);
                outcome = "error";
            }
        }

        if (error is not null)
        {
            if (ephemeral)
            {
                await _responder.EditOriginalAsync(interaction, error, cancellationToken);
            }
            else
            {
                await ReplaceWithErrorAsync(interaction, error, cancellationToken);
            }

            OnFinished(interaction, receivedTimestamp, outcome);
            return;
        }

        var sent = await _responder.EditOriginalAsync(interaction, messages[0], cancellationToken);
        foreach (var more in messages.Skip(1))
        {
            await _responder.FollowupAsync(interaction, more, cancellationToken);
        }

        var messageId = sent is { ValueKind: System.Text.Json.JsonValueKind.Object } json && json.TryGetProperty("id", out var id) ? id.GetString() : null;
        try
        {
            await module.AfterReplyAsync(interaction, messageId, cancellationToken);
        }
        catch (UserFacingException ex)
        {
            await _responder.FollowupAsync(interaction, DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content), ephemeral: true), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.CommandFailedAfterReply(ex, name, interaction.Id);
            await _responder.FollowupAsync(interaction, DiscordMessage.Text(GenericError, ephemeral: true), cancellationToken);
        }

        OnFinished(interaction, receivedTimestamp, outcome);
        _logger.Answered(name, interaction.Id, (long)_time.GetElapsedTime(started).TotalMilliseconds, messages.Count);
    }

    /// <summary>The deferred "thinking…" reply is public; an error should not be, so it is replaced by an ephemeral followup.</summary>
    private async Task ReplaceWithErrorAsync(Interaction interaction, DiscordMessage error, CancellationToken cancellationToken)
    {
        try
        {
            await _responder.DeleteOriginalAsync(interaction, cancellationToken);
            await _responder.FollowupAsync(interaction, error, cancellationToken);
        }
        catch (Rest.DiscordApiException ex)
        {
            _logger.EphemeralErrorFailed(ex, interaction.Id);
            await _responder.EditOriginalAsync(interaction, error with { Ephemeral = false }, cancellationToken);
        }
    }

    private async Task HandleAutocompleteAsync(Interaction interaction, long receivedTimestamp, CancellationToken cancellationToken)
    {
        IReadOnlyList<AutocompleteChoice> choices = [];
        using (var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            budget.CancelAfter(_options.AutocompleteBudget);
            try
            {
                var module = _modules.FirstOrDefault(m => m.Handles(interaction.CommandName ?? ""));
                choices = module is null ? [] : await module.AutocompleteAsync(interaction, budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.AutocompleteOverBudget(interaction.Id);
            }
#pragma warning disable CA1031 // Autocomplete failures show an empty list rather than an error dialog.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                _logger.AutocompleteFailed(ex, interaction.Id);
            }
        }

        var bounded = choices
            .Take(AutocompleteChoice.MaxChoices)
            .Select(c => new AutocompleteChoice(
                MessageSplitter.Truncate(c.Name, AutocompleteChoice.MaxLength),
                c.Value.Length <= AutocompleteChoice.MaxLength ? c.Value : c.Value[..AutocompleteChoice.MaxLength]))
            .Where(c => c.Name.Length > 0 && c.Value.Length > 0)
            .ToList();
        await _responder.AutocompleteAsync(interaction, bounded, cancellationToken);
        OnAcknowledged(interaction, receivedTimestamp);
    }

    private async Task HandleComponentAsync(Interaction interaction, long receivedTimestamp, CancellationToken cancellationToken)
    {
        var customId = interaction.CustomId ?? "";
        var separator = customId.IndexOf(':', StringComparison.Ordinal);
        var prefix = separator < 0 ? customId : customId[..separator];
        var handler = _components.FirstOrDefault(h => h.Prefix == prefix);
        if (handler is null)
        {
            _logger.NoComponentHandler(customId, interaction.Id);
            await _responder.ReplyAsync(interaction,
                DiscordMessage.Text("This button no longer works. Run the command again.", ephemeral: true), cancellationToken);
            OnAcknowledged(interaction, receivedTimestamp);
            return;
        }

        try
        {
            await handler.HandleAsync(interaction, cancellationToken);
            OnFinished(interaction, receivedTimestamp, "ok");
        }
        catch (UserFacingException ex)
        {
            OnFinished(interaction, receivedTimestamp, "user_error");
            await ReplyOrFollowUpAsync(interaction, DiscordMessage.Text(MessageSplitter.Truncate(ex.Message, MessageLimits.Content), ephemeral: true), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.ComponentFailed(ex, customId, interaction.Id);
            OnFinished(interaction, receivedTimestamp, "error");
            await ReplyOrFollowUpAsync(interaction, DiscordMessage.Text(GenericError, ephemeral: true), cancellationToken);
        }

        OnAcknowledged(interaction, receivedTimestamp);
    }

    /// <summary>Replies when the handler had not acknowledged yet, otherwise follows up (40060: already acknowledged).</summary>
    private async Task ReplyOrFollowUpAsync(Interaction interaction, DiscordMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _responder.ReplyAsync(interaction, message, cancellationToken);
        }
        catch (Rest.DiscordApiException)
        {
            await _responder.FollowupAsync(interaction, message, cancellationToken);
        }
    }

    private void OnAcknowledged(Interaction interaction, long receivedTimestamp)
    {
        var elapsed = _time.GetElapsedTime(receivedTimestamp);
        _logger.Acknowledged(interaction.Id, elapsed.TotalMilliseconds);
        DiscordMetrics.AcknowledgeDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("command", DiscordMetrics.CommandTag(interaction)));
        Acknowledged?.Invoke(interaction, elapsed);
    }

    /// <summary>Counts the interaction by command and outcome and records receive → final answer.</summary>
    private void OnFinished(Interaction interaction, long receivedTimestamp, string outcome)
    {
        var command = new KeyValuePair<string, object?>("command", DiscordMetrics.CommandTag(interaction));
        DiscordMetrics.Interactions.Add(1, command, new KeyValuePair<string, object?>("outcome", outcome));
        DiscordMetrics.AnswerDuration.Record(_time.GetElapsedTime(receivedTimestamp).TotalMilliseconds, command);
    }

    private bool MarkSeen(string id)
    {
        var now = _time.GetTimestamp();
        if (!_seen.TryAdd(id, now))
        {
            return false;
        }

        // Prune now and then; an id older than the token lifetime can no longer be answered anyway.
        if (_seen.Count > 1024 && _time.GetElapsedTime(Interlocked.Read(ref _lastPrune)) > TimeSpan.FromMinutes(1))
        {
            Interlocked.Exchange(ref _lastPrune, now);
            foreach (var (key, seenAt) in _seen)
            {
                if (_time.GetElapsedTime(seenAt) > DeduplicationWindow)
                {
                    _seen.TryRemove(key, out _);
                }
            }
        }

        return true;
    }
}
