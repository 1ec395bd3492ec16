using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaperBot.Core.Assistant;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Gateway;
using PaperBot.Discord.Tests.FakeDiscord;

namespace PaperBot.Discord.Tests.Support;

/// <summary>The real bot (AddPaperBotDiscord on a generic host) pointed at a fake Discord, with fake Core ports.</summary>
internal sealed class BotHarness : IAsyncDisposable
{
    private BotHarness(IHost host, FakeDiscordServer discord, CapturingLoggerProvider logs)
    {
        Host = host;
        Discord = discord;
        Logs = logs;
    }

    public IHost Host { get; }

    public FakeDiscordServer Discord { get; }

    public CapturingLoggerProvider Logs { get; }

    public FakePaperAssistant Assistant => (FakePaperAssistant)Host.Services.GetRequiredService<IPaperAssistant>();

    public FakePaperDirectory Directory => (FakePaperDirectory)Host.Services.GetRequiredService<IPaperDirectory>();

    public GatewayStatus Status => Host.Services.GetRequiredService<GatewayStatus>();

    public T Get<T>() where T : notnull => Host.Services.GetRequiredService<T>();

    /// <summary>Builds the host (not started) with test-speed reconnect settings; <paramref name="configure"/> may change any key.</summary>
    public static BotHarness Create(
        FakeDiscordServer discord, Action<Dictionary<string, string?>>? configure = null, double jitter = 0.5,
        Action<IHostApplicationBuilder>? addFeatures = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Discord:Token"] = discord.Token,
            ["Discord:ApiBaseUrl"] = discord.ApiBaseUrl,
            ["Discord:GuildId"] = "290926798626357999",
            ["Discord:ReconnectDelay"] = "00:00:00.050",
            ["Discord:MaxReconnectDelay"] = "00:00:00.400",
            ["Discord:IdentifyInterval"] = "00:00:00",
            ["Discord:RestTimeout"] = "00:00:10",
        };
        configure?.Invoke(settings);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Development",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IPaperAssistant, FakePaperAssistant>();
        builder.Services.AddSingleton<IPaperDirectory, FakePaperDirectory>();
        addFeatures?.Invoke(builder);
        builder.AddPaperBotDiscord();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var host = builder.Build();
        host.Services.GetRequiredService<GatewayJitter>().Next = () => jitter;
        return new BotHarness(host, discord, logs);
    }

    public static async Task<BotHarness> StartAsync(
        FakeDiscordServer discord, Action<Dictionary<string, string?>>? configure = null, double jitter = 0.5,
        Action<IHostApplicationBuilder>? addFeatures = null)
    {
        var harness = Create(discord, configure, jitter, addFeatures);
        await harness.Host.StartAsync();
        return harness;
    }

    /// <summary>Starts the bot and waits until the gateway session is READY.</summary>
    public static async Task<BotHarness> StartReadyAsync(
        FakeDiscordServer discord, Action<Dictionary<string, string?>>? configure = null, double jitter = 0.5,
        Action<IHostApplicationBuilder>? addFeatures = null)
    {
        var harness = await StartAsync(discord, configure, jitter, addFeatures);
        await FakeDiscordServer.WaitUntilAsync(() => discord.Gateway.Live is not null && discord.Gateway.CurrentSession is not null, "gateway READY");
        return harness;
    }

    /// <summary>What happened, for failure messages: violations, requests, gateway frames and the bot's log.</summary>
    public string Diagnostics() =>
        "Violations:\n" + string.Join("\n", Discord.Violations)
        + "\nRequests:\n" + string.Join("\n", Discord.Requests.Select(r => r.ToString()))
        + "\nConnections:\n" + string.Join("\n", Discord.Gateway.Connections.Select(c => $"#{c.Number} port {c.Port} client-close {c.ClientCloseCode} server-close {c.ServerCloseCode} ops {string.Join(",", c.Received.Select(f => f["op"]))}"))
        + "\nLog:\n" + string.Join("\n", Logs.Lines.TakeLast(60));

    /// <summary>Waits for <paramref name="condition"/>; on timeout fails with <see cref="Diagnostics"/>.</summary>
    public async Task WaitAsync(Func<bool> condition, string what, double seconds = 20)
    {
        try
        {
            await FakeDiscordServer.WaitUntilAsync(condition, what, TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "\n" + Diagnostics());
        }
    }

    public bool Stopped => Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await Host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Host.Dispose();
    }

    public static string Seconds(double value) => TimeSpan.FromSeconds(value).ToString("c", CultureInfo.InvariantCulture);
}
