using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core;
using PaperBot.Core.Commands;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.Commands.LibraryCommands;

/// <summary>The library edits <c>/paper</c> needs; a seam over Core's <see cref="PaperAdder"/> and <see cref="IPaperStore"/>.</summary>
internal interface IPaperLibraryEditor
{
    Task<Paper> AddAsync(string? source, byte[]? pdf, string? pdfName, CancellationToken cancellationToken);

    Task<Paper> RemoveAsync(string reference, CancellationToken cancellationToken);

    Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken);
}

/// <summary>The real editor over the library.</summary>
internal sealed class LibraryPaperEditor(PaperAdder adder, IPaperStore store) : IPaperLibraryEditor
{
    public Task<Paper> AddAsync(string? source, byte[]? pdf, string? pdfName, CancellationToken cancellationToken) =>
        adder.AddAsync(source, pdf, pdfName, cancellationToken);

    public async Task<Paper> RemoveAsync(string reference, CancellationToken cancellationToken)
    {
        var paper = await store.ResolveAsync(reference, cancellationToken);
        await store.RemoveAsync(paper.Id, cancellationToken);
        return paper;
    }

    public Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken) => store.ResolveAsync(reference, cancellationToken);
}

/// <summary>
/// <c>/paper add|remove|show</c>. Add and remove need Manage Server: the command's default member permissions hide it
/// from others, and the dispatcher checks the bit again on the server. A PDF attachment is downloaded (size-checked)
/// and its text stored with the arXiv metadata when an id is given too.
/// </summary>
internal sealed class PaperLibraryCommands(
    IPaperLibraryEditor editor,
    IPaperDirectory directory,
    IHttpClientFactory httpClientFactory,
    IOptions<ArxivOptions> arxivOptions,
    ILogger<PaperLibraryCommands> logger) : ISlashCommandModule
{
    public const string AttachmentClient = "PaperBot.Discord.Attachments";

    public bool Handles(string commandName) => commandName == SlashCommandCatalog.Paper;

    public CommandDeferral Deferral(Interaction interaction) =>
        interaction?.SubcommandName == "remove" ? CommandDeferral.Ephemeral : CommandDeferral.Public;

    public string? Validate(Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (interaction.SubcommandName != "add")
        {
            return null;
        }

        var source = interaction.Option("source")?.AsString()?.Trim();
        var pdf = Attachment(interaction);
        if (string.IsNullOrEmpty(source) && pdf is null)
        {
            return "Give `source` (an arXiv id like 2305.07759, an arxiv.org or huggingface.co/papers link) or attach a PDF in `pdf`.";
        }

        if (!string.IsNullOrEmpty(source) && !PaperAdder.TryParseSource(source, out _))
        {
            return $"`source` must be an arXiv id (2305.07759), an arxiv.org/abs or /pdf link, or a huggingface.co/papers link.";
        }

        if (pdf is not null)
        {
            var isPdf = pdf.FileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) || pdf.ContentType?.StartsWith("application/pdf", StringComparison.OrdinalIgnoreCase) == true;
            if (!isPdf)
            {
                return "`pdf` must be a PDF file.";
            }

            if (pdf.Size > arxivOptions.Value.MaxPdfBytes)
            {
                return string.Create(CultureInfo.InvariantCulture, $"`pdf` is too large ({pdf.Size / (1024 * 1024)} MB, at most {arxivOptions.Value.MaxPdfBytes / (1024 * 1024)} MB).");
            }

            if (!Uri.TryCreate(pdf.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)
            {
                return "`pdf` could not be read from Discord.";
            }
        }

        return null;
    }

    public async Task<DiscordMessage> ExecuteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        switch (interaction.SubcommandName)
        {
            case "add":
            {
                var source = interaction.Option("source")?.AsString()?.Trim();
                byte[]? bytes = null;
                var pdf = Attachment(interaction);
                if (pdf is not null)
                {
                    bytes = await DownloadAsync(pdf, cancellationToken);
                }

                var paper = await editor.AddAsync(string.IsNullOrEmpty(source) ? null : source, bytes, pdf?.FileName, cancellationToken);
                logger.LogInformation("/paper add by {UserId} in {GuildId}: {PaperId}", interaction.UserId, interaction.GuildId, paper.Id);
                return Render(paper, "Added to the library");
            }

            case "remove":
            {
                var paper = await editor.RemoveAsync(Reference(interaction), cancellationToken);
                logger.LogInformation("/paper remove by {UserId} in {GuildId}: {PaperId}", interaction.UserId, interaction.GuildId, paper.Id);
                return DiscordMessage.Text($"Removed `{paper.Id}` ({MessageSplitter.Truncate(OneLine(paper.Title), 200)}) with its passages and cached summaries.");
            }

            case "show":
                return Render(await editor.ResolveAsync(Reference(interaction), cancellationToken), null);

            default:
                throw new UserFacingException("/paper needs one of: add, remove, show.");
        }
    }

    public async Task<IReadOnlyList<AutocompleteChoice>> AutocompleteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        if (interaction.FocusedOption?.Name != "paper")
        {
            return [];
        }

        var papers = await directory.SuggestAsync(interaction.FocusedOption.AsString()?.Trim() ?? "", AutocompleteChoice.MaxChoices, cancellationToken);
        return papers.Where(p => p.Id.Length <= AutocompleteChoice.MaxLength).Select(p => new AutocompleteChoice($"{p.Title} ({p.Id})", p.Id)).ToList();
    }

    private static InteractionAttachment? Attachment(Interaction interaction) =>
        interaction.Option("pdf")?.AsString() is { } id && interaction.Attachments.TryGetValue(id, out var file) ? file : null;

    private async Task<byte[]> DownloadAsync(InteractionAttachment pdf, CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(AttachmentClient);
        try
        {
            using var response = await client.GetAsync(new Uri(pdf.Url), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new UserFacingException($"The attachment could not be downloaded from Discord (HTTP {(int)response.StatusCode}). Attach it again.");
            }

            if (response.Content.Headers.ContentLength > arxivOptions.Value.MaxPdfBytes)
            {
                throw new UserFacingException("The PDF is too large.");
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new UserFacingException("The attachment could not be downloaded from Discord. Attach it again.", ex);
        }
    }

    private static string Reference(Interaction interaction) =>
        interaction.Option("paper")?.AsString()?.Trim() is { Length: > 0 } reference ? reference : throw new UserFacingException("Name a paper by id or title.");

    private static DiscordMessage Render(Paper paper, string? heading)
    {
        var fields = new List<EmbedField>
        {
            new("Id", $"`{paper.Id}`", Inline: true),
        };
        if (paper.Published is { } published)
        {
            fields.Add(new EmbedField("Published", published.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Inline: true));
        }

        if (paper.Authors.Count > 0)
        {
            fields.Add(new EmbedField("Authors", MessageSplitter.Truncate(string.Join(", ", paper.Authors), MessageLimits.FieldValue)));
        }

        if (paper.Categories.Count > 0)
        {
            fields.Add(new EmbedField("Categories", MessageSplitter.Truncate(string.Join(", ", paper.Categories), MessageLimits.FieldValue), Inline: true));
        }

        fields.Add(new EmbedField("Full text", string.IsNullOrWhiteSpace(paper.FullText) ? "abstract only" : "stored", Inline: true));
        var embed = new DiscordEmbed
        {
            AuthorName = heading,
            Title = MessageSplitter.Truncate(OneLine(paper.Title), MessageLimits.EmbedTitle),
            Url = paper.Link,
            Description = MessageSplitter.Truncate(paper.Abstract, 1500),
            Fields = fields,
            Footer = "Use /summarize or /ask to read it.",
            Color = 0x10B981,
        };
        return new DiscordMessage(null, [embed]);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
