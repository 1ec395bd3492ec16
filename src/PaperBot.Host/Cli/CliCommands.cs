using System.CommandLine;
using PaperBot.Host.Interactive;

namespace PaperBot.Host.Cli;

/// <summary>The <c>paperbot</c> command line: every verb, and what runs with none.</summary>
internal static class CliCommands
{
    public static RootCommand Build(IServiceProvider services, AppIo io)
    {
        var root = new RootCommand(
            "PaperBot: a research assistant over a paper collection. With no verb it runs the Discord bot " +
            "(when Discord:Token is set) or an interactive console.");
        LibraryCommands.AddTo(root, services, io);
        AssistantCommands.AddTo(root, services, io);
        FeedCommands.AddTo(root, services, io);
        DigestCommands.AddTo(root, services, io);

        var health = new Command("health", "Container health check: exit 0 when the bot's gateway heartbeated recently.");
        health.SetAction((_, cancellationToken) => BotMode.CheckHealthAsync(services, io, cancellationToken));
        root.Subcommands.Add(health);

        // No verb and no Discord token: the interactive console on the same commands as the bot.
        root.SetAction((_, cancellationToken) => CliRunner.RunAsync(io, () => InteractiveConsole.RunAsync(services, io, cancellationToken), cancellationToken));
        return root;
    }
}
