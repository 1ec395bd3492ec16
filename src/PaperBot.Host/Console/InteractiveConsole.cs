using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Commands;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Digests;
using PaperBot.Core.Search;
using PaperBot.Host.Cli;

// Not PaperBot.Host.Console: that namespace would hide System.Console inside the Host.
namespace PaperBot.Host.Interactive;

/// <summary>Adds a paper from an arXiv id or URL, a Hugging Face paper URL, or a PDF path.</summary>
internal delegate Task<Paper> ConsolePaperAdd(string source, CancellationToken cancellationToken);

/// <summary>Searches the library for the console's <c>/search</c>.</summary>
internal delegate Task<IReadOnlyList<SearchHit>> ConsoleSearch(string query, int top, CancellationToken cancellationToken);

/// <summary>
/// The interactive console: the bot's slash commands typed as lines (<c>/ask …</c>, <c>/summarize paper:… level:…</c>),
/// with a conversation so that plain text after an answer is a follow-up question. Reads and writes
/// through a <see cref="TextReader"/> and <see cref="TextWriter"/> so that tests can feed it lines.
/// </summary>
internal sealed class InteractiveConsole
{
    private const int MaxTurns = 5;
    private readonly IPaperAssistant _assistant;
    private readonly ConsoleSearch _search;
    private readonly AppIo _io;
    private readonly ILogger _logger;
    private readonly List<ConversationTurn> _conversation = [];
    private readonly Func<string, int, CancellationToken, Task<Digest>>? _digestPreview;

    private readonly ConsolePaperAdd? _addPaper;

    public InteractiveConsole(
        IPaperAssistant assistant, ConsoleSearch search, AppIo io, ILogger? logger = null, ConsolePaperAdd? addPaper = null,
        Func<string, int, CancellationToken, Task<Digest>>? digestPreview = null)
    {
        _digestPreview = digestPreview;
        _assistant = assistant;
        _search = search;
        _io = io;
        _logger = logger ?? NullLogger.Instance;
        _addPaper = addPaper;
    }

    /// <summary>Runs the console on the app's streams until end of input or <c>/quit</c>.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, AppIo io, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        await LibraryCommands.EnsureSeededAsync(services, io, cancellationToken);
        var search = services.GetRequiredService<HybridSearch>();
        var adder = services.GetRequiredService<PaperAdder>();
        var composer = services.GetRequiredService<DigestComposer>();
        var console = new InteractiveConsole(
            services.GetRequiredService<IPaperAssistant>(),
            (query, top, ct) => search.SearchAsync(query, top, ct),
            io,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<InteractiveConsole>(),
            (source, ct) => AddPaperAsync(adder, source, ct),
            (topics, max, ct) => composer.PreviewAsync(topics, null, max, null, ct));
        return await console.RunAsync(cancellationToken);
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await _io.Out.WriteLineAsync("PaperBot console. Type /help for the commands, /quit to leave; plain text after an answer asks a follow-up.");
        while (!cancellationToken.IsCancellationRequested)
        {
            await _io.Out.WriteAsync("> ");
            await _io.Out.FlushAsync(cancellationToken);
            var line = await _io.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                break;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line is "/quit" or "/exit")
            {
                break;
            }

            try
            {
                await HandleAsync(line, cancellationToken);
            }
            catch (UserFacingException e)
            {
                await _io.Out.WriteLineAsync("error: " + e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Console command failed: {Command}", line.Split(' ')[0]);
                await _io.Out.WriteLineAsync("error: something went wrong; the details are in the log.");
            }
        }

        return ExitCodes.Ok;
    }

    private async Task HandleAsync(string line, CancellationToken cancellationToken)
    {
        if (!line.StartsWith('/'))
        {
            // Plain text continues the conversation (or starts one).
            await AskAsync(line, followUp: true, cancellationToken);
            return;
        }

        if (line.StartsWith("/paper", StringComparison.OrdinalIgnoreCase) && (line.Length == 6 || char.IsWhiteSpace(line[6])))
        {
            await PaperAsync(line[6..].Trim(), cancellationToken);
            return;
        }

        var command = ConsoleCommandParser.Parse(line);
        switch (command.Spec.Name)
        {
            case SlashCommandCatalog.Ask:
                await AskAsync(command["question"]!, followUp: false, cancellationToken);
                break;
            case SlashCommandCatalog.Search:
                await SearchAsync(command["query"]!, command["top"] is { } top ? int.Parse(top, CultureInfo.InvariantCulture) : 5, cancellationToken);
                break;
            case SlashCommandCatalog.Summarize:
                var level = AssistantRendering.ParseLevel(command["level"]);
                var summary = await _assistant.SummarizeAsync(command["paper"]!, level, cancellationToken: cancellationToken);
                await _io.Out.WriteLineAsync(AssistantRendering.Summary(summary));
                break;
            case SlashCommandCatalog.Compare:
                var papers = command.Spec.Options.Select(o => command[o.Name]).OfType<string>().ToList();
                var comparison = await _assistant.CompareAsync(papers, cancellationToken: cancellationToken);
                AssistantRendering.WriteComparison(LibraryCommands.CreateConsole(_io), comparison);
                break;
            case SlashCommandCatalog.Digest when command.Subcommand?.Name == "preview" && command["topics"] is { } topics && _digestPreview is not null:
                var digest = await _digestPreview(topics, command["max"] is { } max ? int.Parse(max, CultureInfo.InvariantCulture) : 8, cancellationToken);
                await _io.Out.WriteLineAsync(DigestCommands.Render(digest));
                break;
            case SlashCommandCatalog.Digest:
                await _io.Out.WriteLineAsync(
                    "In the console: /digest preview topics:… shows what a channel with those topics would get. "
                    + "Subscriptions live in Discord (/digest subscribe) or the shell ('paperbot digest subscribe --channel ID --topics \"…\"').");
                break;
            default:
                await _io.Out.WriteLineAsync(Help());
                break;
        }
    }

    private async Task AskAsync(string question, bool followUp, CancellationToken cancellationToken)
    {
        if (!followUp)
        {
            _conversation.Clear();
        }

        var streamed = new StringBuilder();
        AssistantAnswer? answer = null;
        await foreach (var update in _assistant.AskStreamingAsync(new AskRequest(question, [.. _conversation]), cancellationToken))
        {
            if (update.Final is not null)
            {
                answer = update.Final;
                break;
            }

            streamed.Append(update.TextDelta);
            await _io.Out.WriteAsync(update.TextDelta);
            await _io.Out.FlushAsync(cancellationToken);
        }

        await _io.Out.WriteLineAsync();
        if (answer is null)
        {
            return;
        }

        if (answer.Text != streamed.ToString().Trim())
        {
            // The final text drops citations to passages that were never supplied.
            await _io.Out.WriteLineAsync("(checked citations:)");
            await _io.Out.WriteLineAsync(answer.Text);
        }

        var sources = AssistantRendering.Sources(answer);
        if (sources.Length > 0)
        {
            await _io.Out.WriteLineAsync(sources);
        }

        if (answer.Mode == AnswerMode.Abstained)
        {
            return;
        }

        _conversation.Add(new ConversationTurn(question, answer.Text));
        if (_conversation.Count > MaxTurns)
        {
            _conversation.RemoveAt(0);
        }
    }

    private async Task SearchAsync(string query, int top, CancellationToken cancellationToken)
    {
        var hits = await _search(query, top, cancellationToken);
        if (hits.Count == 0)
        {
            await _io.Out.WriteLineAsync("No papers found.");
            return;
        }

        var rank = 0;
        foreach (var hit in hits)
        {
            await _io.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{++rank}. {hit.Paper.Title} ({hit.Paper.Id})"));
        }
    }

    /// <summary><c>/paper add &lt;arXiv id or URL, Hugging Face paper URL, or PDF path&gt;</c>, as in Discord.</summary>
    private async Task PaperAsync(string rest, CancellationToken cancellationToken)
    {
        var parts = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !parts[0].Equals("add", StringComparison.OrdinalIgnoreCase) || _addPaper is null)
        {
            throw new UserFacingException("Usage: /paper add 2305.07759 (an arXiv id or URL, a huggingface.co/papers URL, or the path of a PDF).");
        }

        // "source:" as in Discord's option, or the value alone.
        var source = parts[1].StartsWith("source:", StringComparison.OrdinalIgnoreCase) ? parts[1]["source:".Length..].Trim() : parts[1];
        var paper = await _addPaper(source, cancellationToken);
        await _io.Out.WriteLineAsync($"Added {paper.Id}: {paper.Title}");
    }

    private static async Task<Paper> AddPaperAsync(PaperAdder adder, string source, CancellationToken cancellationToken)
    {
        var path = source.Trim('"');
        if (path.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) && File.Exists(path))
        {
            return await adder.AddAsync(null, await File.ReadAllBytesAsync(path, cancellationToken), Path.GetFileName(path), cancellationToken);
        }

        return await adder.AddAsync(source, null, null, cancellationToken);
    }

    private static string Help()
    {
        var text = new StringBuilder("Commands (the same as the bot's slash commands):");
        foreach (var spec in SlashCommandCatalog.All.Where(s => s.Subcommands is not { Count: > 0 }))
        {
            text.Append("\n  /").Append(spec.Name);
            foreach (var option in spec.Options)
            {
                text.Append(option.Required ? $" {option.Name}:…" : $" [{option.Name}:…]");
            }

            text.Append("  ").Append(spec.Description);
        }

        // Of the commands with subcommands, the console has what makes sense without a Discord server.
        text.Append("\n  /paper add source:…  Add a paper: an arXiv id or URL, a huggingface.co/papers URL, or a PDF path.");
        text.Append("\n  /digest preview topics:… [max:…]  The digest a channel with these topics would get now.");
        text.Append("\nOptions can also be positional: /summarize 2305.07759 eli5, /search pruning 3, /compare Dolma; TinyStories.");
        text.Append("\nPlain text after an answer asks a follow-up question. /quit leaves.");
        return text.ToString();
    }
}
