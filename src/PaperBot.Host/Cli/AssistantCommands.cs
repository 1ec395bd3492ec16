using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Host.Interactive;

namespace PaperBot.Host.Cli;

/// <summary>Assistant verbs: ask, summarize, compare (each with <c>--json</c>).</summary>
internal static class AssistantCommands
{
    public static void AddTo(RootCommand root, IServiceProvider services, AppIo io)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Subcommands.Add(AskCommand(services, io));
        root.Subcommands.Add(SummarizeCommand(services, io));
        root.Subcommands.Add(CompareCommand(services, io));
    }

    private static Command AskCommand(IServiceProvider services, AppIo io)
    {
        var question = new Argument<string[]>("question") { Description = "The question (quotes optional)", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Answer, mode and citations as one JSON object" };
        var command = new Command("ask", "Ask a question; the answer cites papers from the library.") { question, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            await LibraryCommands.EnsureSeededAsync(services, io, ct);
            var answer = await services.GetRequiredService<IPaperAssistant>()
                .AskAsync(new AskRequest(string.Join(' ', parse.GetValue(question)!)), ct);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(AssistantRendering.AnswerJson(answer));
                return ExitCodes.Ok;
            }

            await io.Out.WriteLineAsync(answer.Text);
            var sources = AssistantRendering.Sources(answer);
            if (sources.Length > 0)
            {
                await io.Out.WriteLineAsync();
                await io.Out.WriteLineAsync(sources);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command SummarizeCommand(IServiceProvider services, AppIo io)
    {
        var paper = new Argument<string[]>("paper") { Description = "Paper id or unique title prefix", Arity = ArgumentArity.OneOrMore };
        var level = new Option<string>("--level", "-l") { Description = "tldr, detailed or eli5", DefaultValueFactory = _ => "tldr" };
        level.AcceptOnlyFromAmong("tldr", "detailed", "eli5");
        var json = new Option<bool>("--json") { Description = "Summary and mode as one JSON object" };
        var command = new Command("summarize", "Summarize one paper.") { paper, level, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var summaryLevel = AssistantRendering.ParseLevel(parse.GetValue(level));
            await LibraryCommands.EnsureSeededAsync(services, io, ct);
            var summary = await services.GetRequiredService<IPaperAssistant>()
                .SummarizeAsync(string.Join(' ', parse.GetValue(paper)!), summaryLevel, cancellationToken: ct);
            await io.Out.WriteLineAsync(parse.GetValue(json) ? AssistantRendering.SummaryJson(summary) : AssistantRendering.Summary(summary));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command CompareCommand(IServiceProvider services, AppIo io)
    {
        var papers = new Argument<string[]>("paper") { Description = "2 to 5 paper ids or unique title prefixes (quote titles with spaces)", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "The comparison table and mode as one JSON object" };
        var command = new Command("compare", "Compare 2 to 5 papers side by side.") { papers, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(io, async () =>
        {
            var references = parse.GetValue(papers)!;
            if (references.Length is < 2 or > 5)
            {
                throw new UserFacingException($"compare takes 2 to 5 papers (got {references.Length}); quote titles that contain spaces.");
            }

            await LibraryCommands.EnsureSeededAsync(services, io, ct);
            var comparison = await services.GetRequiredService<IPaperAssistant>().CompareAsync(references, cancellationToken: ct);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(AssistantRendering.ComparisonJson(comparison));
            }
            else
            {
                AssistantRendering.WriteComparison(LibraryCommands.CreateConsole(io), comparison);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
