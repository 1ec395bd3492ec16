using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Gateway;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord;

/// <summary>
/// Starts the bot: finds the application id, registers the slash commands, then (gateway transport)
/// runs the shards of this process until shutdown or a fatal close code, which stops the host.
/// </summary>
internal sealed class DiscordBotService(
    DiscordRestClient rest,
    CommandRegistrar registrar,
    GatewayDiscovery discovery,
    IdentifyThrottler throttler,
    GatewayStatus status,
    GatewayJitter jitter,
    InteractionQueue queue,
    IPaperDirectory directory,
    IOptions<DiscordOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DiscordBotService>();

    /// <summary>The application id in use once started.</summary>
    public string? ApplicationId { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        try
        {
            // Loading the index and the embedding model overlaps with registration; interactions are taken only after it.
            var warmUp = WarmUpAsync(stoppingToken);
            ApplicationId = string.IsNullOrWhiteSpace(settings.ApplicationId)
                ? await FetchApplicationIdAsync(stoppingToken)
                : settings.ApplicationId;
            await registrar.RegisterAsync(ApplicationId, stoppingToken);
            await warmUp;

            if (settings.Transport != "gateway")
            {
                _logger.LogInformation("Transport is {Transport}: interactions arrive at the HTTP endpoint", settings.Transport);
                return;
            }

            var info = await discovery.FetchAsync(stoppingToken);
            var count = settings.FixedShardCount ?? info.Shards;
            if (settings.ShardId is { } single && single >= count)
            {
                Fail($"Discord:ShardId {single} is not below the shard count {count}.");
                return;
            }

            var ids = settings.ShardId is { } id ? [id] : Enumerable.Range(0, count).ToArray();
            _logger.LogInformation("Running shard(s) {ShardIds} of {ShardCount}", string.Join(",", ids), count);
            var shards = ids.Select(shardId => new GatewayShard(
                shardId, count, discovery, throttler, status, settings, time,
                loggerFactory.CreateLogger<GatewayShard>(),
                OnGatewayEvent,
                () => jitter.Next())).ToList();
            foreach (var shard in shards)
            {
                shard.SessionEvent += _ => status.BotUserId ??= shard.BotUserId;
            }

            var results = await Task.WhenAll(shards.Select(s => s.RunAsync(stoppingToken)));
            if (results.FirstOrDefault(r => r is not null) is { } fatal)
            {
                Fail(fatal);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
        catch (DiscordApiException ex)
        {
            Fail($"Discord refused the bot's start-up calls: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            Fail($"Cannot reach Discord at {settings.ApiBaseUrl}: {ex.Message}");
        }
    }

    /// <summary>Called by a shard's frame loop: parse and queue only, never block or throw.</summary>
    private void OnGatewayEvent(string type, JsonElement json, long received)
    {
        if (type == "MESSAGE_CREATE")
        {
            queue.TryEnqueueMessage(json, received);
            return;
        }

        Interaction interaction;
        try
        {
            interaction = Interaction.Parse(json);
        }
#pragma warning disable CA1031 // Any shape Discord (or a proxy) sends must not escape into the frame loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.Malformed(ex.Message);
            queue.ReportMalformed(json, ApplicationId ?? "");
            return;
        }

        queue.TryEnqueue(interaction, received);
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var started = time.GetTimestamp();
        try
        {
            await directory.WarmUpAsync(cancellationToken);
            _logger.LogInformation("Search index and embedding model loaded in {ElapsedMs} ms", (long)time.GetElapsedTime(started).TotalMilliseconds);
        }
#pragma warning disable CA1031 // A failed warm-up must not stop the bot.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            // The bot still starts; searches will report the same problem to the user.
            _logger.LogWarning(ex, "Could not load the search index at start");
        }
    }

    private async Task<string> FetchApplicationIdAsync(CancellationToken cancellationToken)
    {
        var app = await rest.SendAsync(RestRoute.CurrentApplication(), null, cancellationToken);
        return app?.GetProperty("id").GetString() ?? throw new DiscordApiException("GET /applications/@me returned no id.");
    }

    private void Fail(string reason)
    {
        _logger.LogCritical("Discord bot stopped: {Reason}", reason);
        status.SetFatal(reason);
        lifetime.StopApplication();
    }
}
