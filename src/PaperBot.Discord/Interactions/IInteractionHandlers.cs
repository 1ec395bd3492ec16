namespace PaperBot.Discord.Interactions;

/// <summary>How the dispatcher acknowledges a slash command before running it.</summary>
internal enum CommandDeferral
{
    /// <summary>Answered at once (type 4): the command is quick and never waits on the model or the network.</summary>
    None,

    /// <summary>Deferred publicly (type 5), the result edits the "thinking…" message.</summary>
    Public,

    /// <summary>Deferred ephemerally: only the invoking user sees the result.</summary>
    Ephemeral,
}

/// <summary>
/// A group of slash commands (for example /digest with its subcommands). The dispatcher validates options
/// against the catalog, applies the deferral policy and error handling, and calls <see cref="ExecuteAsync"/>.
/// </summary>
internal interface ISlashCommandModule
{
    /// <summary>Whether this module runs <paramref name="commandName"/>.</summary>
    bool Handles(string commandName);

    /// <summary>Checks beyond the catalog's option rules (permissions, formats); a user-facing problem or null.</summary>
    string? Validate(Interaction interaction);

    /// <summary>How to acknowledge this invocation.</summary>
    CommandDeferral Deferral(Interaction interaction);

    /// <summary>Runs the command; user errors are <see cref="PaperBot.Core.UserFacingException"/>s.</summary>
    Task<DiscordMessage> ExecuteAsync(Interaction interaction, CancellationToken cancellationToken);

    /// <summary>Choices for the focused option (empty when none apply).</summary>
    Task<IReadOnlyList<AutocompleteChoice>> AutocompleteAsync(Interaction interaction, CancellationToken cancellationToken);

    /// <summary>Runs after the result was shown (deferred commands), with the id of the first message; for example to open a thread from it.</summary>
    Task AfterReplyAsync(Interaction interaction, string? messageId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Handles buttons, select menus and modal submits whose <c>custom_id</c> starts with <see cref="Prefix"/>
/// followed by ':'. State lives in the custom id and the library, never in memory, so components keep
/// working after a restart and in any process. The handler responds itself (update, defer, reply, modal).
/// </summary>
internal interface IComponentHandler
{
    /// <summary>The custom-id prefix, without the ':' (for example "digest").</summary>
    string Prefix { get; }

    Task HandleAsync(Interaction interaction, CancellationToken cancellationToken);
}
