using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PaperBot.Core.Library;
using PaperBot.Discord;

namespace PaperBot.Host;

/// <summary>
/// Bot mode: with <c>Discord:Token</c> set and no verb, the host runs the Discord bot until Ctrl+C,
/// SIGTERM or a fatal gateway close (bad token, disallowed intents…), which exits non-zero.
/// Also the container health check: <c>paperbot health</c> runs the health checks.
/// </summary>
internal static class BotMode
{
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
    /// <c>paperbot health</c>: runs the health checks that <c>/healthz</c> serves (gateway heartbeat, library,
    /// model endpoint) and prints a line for each; 0 when none is unhealthy, 1 otherwise.
    /// </summary>
    public static async Task<int> CheckHealthAsync(IServiceProvider services, AppIo io, CancellationToken cancellationToken = default)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken);
        foreach (var (name, entry) in report.Entries)
        {
            var line = $"{entry.Status.ToString().ToLowerInvariant()}: {name}: {entry.Description}";
            await (entry.Status == HealthStatus.Unhealthy ? io.Error : io.Out).WriteLineAsync(line);
        }

        return report.Status == HealthStatus.Unhealthy ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
