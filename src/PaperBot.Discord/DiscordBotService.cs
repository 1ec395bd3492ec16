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
    InteractionDispatcher dispatcher,
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
            ApplicationId = string.IsNullOrWhiteSpace(settings.ApplicationId)
                ? await FetchApplicationIdAsync(stoppingToken)
                : settings.ApplicationId;
            await registrar.RegisterAsync(ApplicationId, stoppingToken);

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
                (json, received) => OnInteractionAsync(json, received, stoppingToken),
                () => jitter.Next())).ToList();
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

    private Task OnInteractionAsync(JsonElement json, long received, CancellationToken cancellationToken)
    {
        Interaction interaction;
        try
        {
            interaction = Interaction.Parse(json);
        }
        catch (FormatException ex)
        {
            _logger.LogWarning("Ignoring a malformed interaction: {Error}", ex.Message);
            return Task.CompletedTask;
        }

        return dispatcher.HandleAsync(interaction, received, cancellationToken);
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
