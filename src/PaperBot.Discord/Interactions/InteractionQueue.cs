using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Discord.Interactions;

/// <summary>Handles a thread message (MESSAGE_CREATE) taken off the queue.</summary>
internal interface IGatewayMessageHandler
{
    Task HandleAsync(JsonElement message, CancellationToken cancellationToken);
}

/// <summary>
/// The bounded queue between the transports (gateway, HTTP) and the handlers: <c>Discord:InteractionConcurrency</c>
/// consumers take interactions and thread messages off a channel of <c>Discord:InteractionQueueCapacity</c>.
/// When it is full the user is told "busy, try again" instead of the queue growing. At shutdown the transports
/// stop first (they are registered after this service), then the queue drains within the host's shutdown timeout.
/// </summary>
internal sealed class InteractionQueue : IHostedService, IDisposable
{
    internal const string BusyMessage = "PaperBot is busy answering other requests. Please try again in a minute.";
    internal const string MalformedMessage = "PaperBot could not read that request. Please run the command again.";
    private const int NoticeCapacity = 64;

    /// <summary>Discord's window for the first response; an interaction that waited longer cannot be answered.</summary>
    private static readonly TimeSpan AcknowledgeWindow = TimeSpan.FromSeconds(3);

    private readonly Channel<Work> _work;
    private readonly Channel<Notice> _notices = Channel.CreateBounded<Notice>(new BoundedChannelOptions(NoticeCapacity) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly InteractionDispatcher _dispatcher;
    private readonly InteractionResponder _responder;
    private readonly IGatewayMessageHandler? _messages;
    private readonly DiscordOptions _options;
    private readonly ILogger<InteractionQueue> _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort = new();
    private Task[] _consumers = [];

    public InteractionQueue(
        InteractionDispatcher dispatcher,
        InteractionResponder responder,
        IOptions<DiscordOptions> options,
        TimeProvider time,
        ILogger<InteractionQueue> logger,
        IEnumerable<IGatewayMessageHandler> messages)
    {
        _dispatcher = dispatcher;
        _responder = responder;
        _options = options.Value;
        _logger = logger;
        _time = time;
        _messages = messages.FirstOrDefault();
        _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(_options.InteractionQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
            SingleReader = false,
        });
    }

    /// <summary>Items waiting (not yet taken by a consumer).</summary>
    public int Waiting => _work.Reader.Count;

    /// <summary>Queues an interaction; when the queue is full the user gets an ephemeral "busy" answer instead. Never blocks.</summary>
    public bool TryEnqueue(Interaction interaction, long receivedTimestamp, bool notifyWhenFull = true)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (_work.Writer.TryWrite(new Work(interaction, null, receivedTimestamp)))
        {
            return true;
        }

        _logger.QueueFull(_options.InteractionQueueCapacity, interaction.Id);
        Telemetry.DiscordMetrics.NotHandled(interaction, "busy");
        if (notifyWhenFull && interaction.Type is not (InteractionType.Autocomplete or InteractionType.Ping))
        {
            Notify(new Notice(interaction, BusyMessage));
        }

        return false;
    }

    /// <summary>Queues a thread message (MESSAGE_CREATE); dropped with a log line when the queue is full.</summary>
    public bool TryEnqueueMessage(JsonElement message, long receivedTimestamp)
    {
        if (_messages is null)
        {
            return false;
        }

        if (_work.Writer.TryWrite(new Work(null, message, receivedTimestamp)))
        {
            return true;
        }

        _logger.QueueFullThreadMessage(_options.InteractionQueueCapacity);
        return false;
    }

    /// <summary>Answers an interaction that could not be parsed, when at least its id and token are readable.</summary>
    public void ReportMalformed(JsonElement json, string applicationId)
    {
        if (Interaction.TryReadIdentity(json) is { } identity)
        {
            Notify(new Notice(new Interaction(identity.Id, applicationId, InteractionType.ApplicationCommand, identity.Token, null, null, null, null, []), MalformedMessage));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _consumers = Enumerable.Range(0, _options.InteractionConcurrency)
            .Select(_ => Task.Run(ConsumeAsync, CancellationToken.None))
            .Append(Task.Run(NotifyLoopAsync, CancellationToken.None))
            .ToArray();
        _logger.QueueStarted(_options.InteractionConcurrency, _options.InteractionQueueCapacity);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _work.Writer.TryComplete();
        _notices.Writer.TryComplete();
        var all = Task.WhenAll(_consumers);
        try
        {
            await all.WaitAsync(cancellationToken);
            _logger.QueueDrained();
        }
        catch (OperationCanceledException)
        {
            _logger.QueueAbandoned(Waiting);
            await _abort.CancelAsync();
            await all.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose() => _abort.Dispose();

    private void Notify(Notice notice)
    {
        if (!_notices.Writer.TryWrite(notice))
        {
            _logger.NoticeDropped(notice.Interaction.Id);
        }
    }

    private async Task ConsumeAsync()
    {
        await foreach (var item in _work.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (item.Interaction is { } interaction)
                {
                    if (_time.GetElapsedTime(item.Received) > AcknowledgeWindow)
                    {
                        _logger.ExpiredInQueue(interaction.Id, (long)_time.GetElapsedTime(item.Received).TotalMilliseconds);
                        Telemetry.DiscordMetrics.NotHandled(interaction, "expired");
                        continue;
                    }

                    await _dispatcher.HandleAsync(interaction, item.Received, _abort.Token);
                }
                else if (item.Message is { } message)
                {
                    await _messages!.HandleAsync(message, _abort.Token);
                }
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Shutdown timeout: abandoned.
            }
#pragma warning disable CA1031 // One failed item is logged; the consumer goes on with the next.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.QueuedEventFailed(ex);
            }
        }
    }

    private async Task NotifyLoopAsync()
    {
        await foreach (var notice in _notices.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await _responder.ReplyAsync(notice.Interaction, DiscordMessage.Text(notice.Text, ephemeral: true), _abort.Token);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A notice that cannot be delivered is only logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.NoticeFailed(notice.Interaction.Id, notice.Text, ex.Message);
            }
        }
    }

    private sealed record Work(Interaction? Interaction, JsonElement? Message, long Received);

    private sealed record Notice(Interaction Interaction, string Text);
}
