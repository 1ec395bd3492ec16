using System.CommandLine;

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
        root.SetAction((_, cancellationToken) => CliRunner.RunAsync(io, async () =>
        {
            await io.Out.WriteLineAsync("Run 'paperbot --help' for the commands.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return root;
    }
}
