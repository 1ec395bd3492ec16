namespace PaperBot.Core.Commands;

/// <summary>
/// The commands users type, shared by the Discord slash commands and the console so that both take
/// the same names and options. Descriptions follow Discord's limits (1–100 characters).
/// </summary>
public static class SlashCommandCatalog
{
    public const string Ask = "ask";
    public const string Search = "search";
    public const string Summarize = "summarize";
    public const string Compare = "compare";
    public const string Help = "help";
    public const string Paper = "paper";
    public const string Digest = "digest";

    /// <summary>All commands with their options, in the order help lists them.</summary>
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new(Ask, "Ask a question; the answer cites papers from the library.",
        [
            new("question", "What you want to know", OptionKind.Text, Required: true, MaxLength: 1000),
            new("thread", "Open a thread for follow-up questions (default: no)", OptionKind.Boolean, Required: false),
        ]),
        new(Search, "Find papers in the library.",
        [
            new("query", "Words or a description of the paper", OptionKind.Text, Required: true, MaxLength: 300),
            new("top", "How many results (1-10, default 5)", OptionKind.WholeNumber, Required: false, MinValue: 1, MaxValue: 10),
        ]),
        new(Summarize, "Summarize one paper.",
        [
            new("paper", "Paper id or title", OptionKind.Text, Required: true, Autocomplete: true, MaxLength: 300),
            new("level", "tldr, detailed or eli5 (default tldr)", OptionKind.Text, Required: false,
                Choices: ["tldr", "detailed", "eli5"]),
        ]),
        new(Compare, "Compare 2 to 5 papers side by side.",
        [
            new("paper1", "First paper (id or title)", OptionKind.Text, Required: true, Autocomplete: true, MaxLength: 300),
            new("paper2", "Second paper", OptionKind.Text, Required: true, Autocomplete: true, MaxLength: 300),
            new("paper3", "Third paper", OptionKind.Text, Required: false, Autocomplete: true, MaxLength: 300),
            new("paper4", "Fourth paper", OptionKind.Text, Required: false, Autocomplete: true, MaxLength: 300),
            new("paper5", "Fifth paper", OptionKind.Text, Required: false, Autocomplete: true, MaxLength: 300),
        ]),
        new(Paper, "Add, remove or show a paper of the library.", [],
        [
            new("add", "Add a paper: arXiv id or URL, Hugging Face paper URL, or a PDF.",
            [
                new("source", "arXiv id (2305.07759), arxiv.org or huggingface.co/papers URL", OptionKind.Text, Required: false, MaxLength: 300),
                new("pdf", "A PDF of the paper", OptionKind.Attachment, Required: false),
            ]),
            new("remove", "Remove a paper from the library.",
            [
                new("paper", "Paper id or title", OptionKind.Text, Required: true, Autocomplete: true, MaxLength: 300),
            ]),
            new("show", "Show a paper's details.",
            [
                new("paper", "Paper id or title", OptionKind.Text, Required: true, Autocomplete: true, MaxLength: 300),
            ]),
        ], DefaultMemberPermissions: CommandSpec.ManageGuild),
        new(Help, "What PaperBot can do.", []),
        new(Digest, "Daily digests of new papers in a channel (Manage Server).", [],
        [
            new("subscribe", "Post a daily digest of new papers on your topics in a channel.",
            [
                new("topics", "Comma-separated topics and/or arXiv categories (cs.CL)", OptionKind.Text, Required: true, MaxLength: 500),
                new("channel", "Where to post (default: this channel)", OptionKind.Channel, Required: false),
                new("time", "Time of day, HH:mm (default 08:00)", OptionKind.Text, Required: false, MaxLength: 5),
                new("timezone", "IANA time zone, e.g. Europe/Berlin (default UTC)", OptionKind.Text, Required: false, MaxLength: 64),
                new("cron", "Instead of time: a cron schedule, e.g. 0 8 * * 1-5", OptionKind.Text, Required: false, MaxLength: 100),
                new("max", "Papers per digest (1-20, default 8)", OptionKind.WholeNumber, Required: false, MinValue: 1, MaxValue: 20),
                new("min_score", "Drop papers scoring below this (0-10, default 4)", OptionKind.WholeNumber, Required: false, MinValue: 0, MaxValue: 10),
            ]),
            new("unsubscribe", "Stop a channel's digest.",
            [
                new("channel", "Which channel (default: this channel)", OptionKind.Channel, Required: false),
            ]),
            new("list", "This server's digests: schedule, next run, last result, votes.", []),
            new("preview", "Show (only to you) what the next digest would post now.",
            [
                new("channel", "Which channel's digest (default: this channel)", OptionKind.Channel, Required: false),
                new("topics", "Preview these topics instead of a subscription", OptionKind.Text, Required: false, MaxLength: 500),
                new("max", "Papers (1-20, default 8)", OptionKind.WholeNumber, Required: false, MinValue: 1, MaxValue: 20),
            ]),
            new("now", "Post the channel's digest now (once).",
            [
                new("channel", "Which channel (default: this channel)", OptionKind.Channel, Required: false),
            ]),
        ], CommandSpec.ManageGuild),
    ];
}

/// <summary>Option value types the commands use.</summary>
public enum OptionKind
{
    Text,
    WholeNumber,

    /// <summary>True or false.</summary>
    Boolean,

    /// <summary>A file the user attaches (Discord only).</summary>
    Attachment,

    /// <summary>A text or announcement channel (its id); typed as text in the console.</summary>
    Channel,
}

/// <summary>
/// A command and its options. A command with <paramref name="Subcommands"/> has no options of its own
/// (Discord's rule); each subcommand is a <see cref="CommandSpec"/> with its options.
/// <paramref name="DefaultMemberPermissions"/> is Discord's permission bit set (as a decimal string) a member
/// needs by default, for example <see cref="ManageGuild"/>; null lets everyone use the command.
/// </summary>
public sealed record CommandSpec(
    string Name,
    string Description,
    IReadOnlyList<OptionSpec> Options,
    IReadOnlyList<CommandSpec>? Subcommands = null,
    string? DefaultMemberPermissions = null)
{
    /// <summary>The MANAGE_GUILD permission bit (1 &lt;&lt; 5), as Discord's permission strings write it.</summary>
    public const string ManageGuild = "32";

    /// <summary>The subcommand called <paramref name="name"/>, or null.</summary>
    public CommandSpec? Subcommand(string? name) => Subcommands?.FirstOrDefault(s => s.Name == name);
}

/// <summary>One command option.</summary>
public sealed record OptionSpec(
    string Name,
    string Description,
    OptionKind Kind,
    bool Required,
    bool Autocomplete = false,
    int? MinValue = null,
    int? MaxValue = null,
    int? MaxLength = null,
    IReadOnlyList<string>? Choices = null);
