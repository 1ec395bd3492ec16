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
