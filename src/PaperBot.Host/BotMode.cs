using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaperBot.Core.Library;
using PaperBot.Discord;

namespace PaperBot.Host;

/// <summary>
/// Bot mode: with <c>Discord:Token</c> set and no verb, the host runs the Discord bot until Ctrl+C,
/// SIGTERM or a fatal gateway close (bad token, disallowed intents…), which exits non-zero.
/// Also the container health check: <c>paperbot health</c> reads the heartbeat file.
/// </summary>
internal static class BotMode
{
    /// <summary>The longest a healthy gateway goes without an acknowledged heartbeat (Discord's interval is about 41 s).</summary>
    public static readonly TimeSpan HealthWindow = TimeSpan.FromSeconds(120);

    public static bool IsConfigured(IServiceProvider services) =>
        !string.IsNullOrWhiteSpace(services.GetRequiredService<IConfiguration>()[$"{DiscordOptions.SectionName}:Token"]);

    /// <summary>Runs the bot host to the end; returns the process exit code.</summary>
    public static async Task<int> RunAsync(IHost host, AppIo io, CancellationToken cancellationToken)
    {
        // Like the CLI verbs, the bot starts from the sample collection when the library is new.
        await host.Services.GetRequiredService<LibrarySeeder>().EnsureSeededAsync(cancellationToken: cancellationToken);
        await host.StartAsync(cancellationToken);
        await host.WaitForShutdownAsync(cancellationToken);
        var fatal = host.Services.GetRequiredService<IDiscordBotStatus>().FatalError;
        if (fatal is null)
        {
            return ExitCodes.Ok;
        }

        await io.Error.WriteLineAsync(fatal);
        return ExitCodes.Failed;
    }

    /// <summary>
    /// <c>paperbot health</c>: 0 when the heartbeat file (<c>Discord:HeartbeatFile</c>) was written within
    /// <see cref="HealthWindow"/>, 1 otherwise.
    /// </summary>
    public static async Task<int> CheckHealthAsync(IServiceProvider services, AppIo io, TimeProvider time)
    {
        var path = services.GetRequiredService<IConfiguration>()[$"{DiscordOptions.SectionName}:HeartbeatFile"];
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            await io.Error.WriteLineAsync("unhealthy: no heartbeat file (Discord:HeartbeatFile)");
            return ExitCodes.Failed;
        }

        var text = (await File.ReadAllTextAsync(path)).Trim();
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            await io.Error.WriteLineAsync($"unhealthy: heartbeat file holds '{text}'");
            return ExitCodes.Failed;
        }

        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > HealthWindow)
        {
            await io.Error.WriteLineAsync($"unhealthy: last gateway heartbeat {age.TotalSeconds:0} s ago");
            return ExitCodes.Failed;
        }

        await io.Out.WriteLineAsync($"healthy: last gateway heartbeat {Math.Max(0, age.TotalSeconds):0} s ago");
        return ExitCodes.Ok;
    }
}
