using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.SemanticKernel;
using PaperBot.AI.Assistant;
using PaperBot.AI.Grounding;
using PaperBot.Core.Library;

namespace PaperBot.AI.Plugins;

/// <summary>Library functions the model may call during a conversation. Paper text it returns is neutralized.</summary>
internal sealed class LibraryPlugin(IResearchLibrary library)
{
    public const string PluginName = "library";
    private const int AbstractPreviewLength = 400;

    [KernelFunction("search_papers")]
    [Description("Searches the paper library and returns the best matching papers with id, title and the start of the abstract.")]
    public async Task<string> SearchPapersAsync(
        [Description("Words or a description of the papers to find")] string query,
        [Description("How many papers to return, 1 to 10")] int top = 5,
        CancellationToken cancellationToken = default)
    {
        var hits = await library.SearchAsync(query, Math.Clamp(top, 1, 10), cancellationToken);
        return hits.Count == 0 ? "No papers found." : Describe(hits.Select(h => h.Paper));
    }

    [KernelFunction("get_paper")]
    [Description("Gets one paper by id or unique title prefix: id, title, authors, date and abstract.")]
    public async Task<string> GetPaperAsync(
        [Description("Paper id (for example 2305.07759) or the start of its title")] string paper,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var found = await library.ResolveAsync(paper, cancellationToken);
            return Describe([found], fullAbstract: true);
        }
        catch (PaperLookupException e)
        {
            return e.Message;
        }
    }

    [KernelFunction("list_recent_papers")]
    [Description("Lists the papers most recently added to the library, newest first.")]
    public async Task<string> ListRecentPapersAsync(
        [Description("How many papers, 1 to 20")] int count = 10,
        CancellationToken cancellationToken = default)
    {
        var papers = await library.ListRecentAsync(Math.Clamp(count, 1, 20), cancellationToken);
        return papers.Count == 0 ? "The library is empty." : Describe(papers);
    }

    private static string Describe(IEnumerable<Paper> papers, bool fullAbstract = false)
    {
        var builder = new StringBuilder();
        foreach (var paper in papers)
        {
            var abstractText = fullAbstract || paper.Abstract.Length <= AbstractPreviewLength
                ? paper.Abstract
                : paper.Abstract[..AbstractPreviewLength] + " …";
            builder.Append(CultureInfo.InvariantCulture,
                $"<paper id=\"{UntrustedText.Neutralize(paper.Id)}\">\nTitle: {UntrustedText.Neutralize(paper.Title)}\n");
            if (paper.Authors.Count > 0)
            {
                builder.Append("Authors: ").Append(UntrustedText.Neutralize(string.Join(", ", paper.Authors.Take(8)))).Append('\n');
            }

            if (paper.Published is { } date)
            {
                builder.Append(CultureInfo.InvariantCulture, $"Published: {date:yyyy-MM-dd}\n");
            }

            builder.Append("Abstract: ").Append(UntrustedText.Neutralize(abstractText)).Append("\n</paper>\n");
        }

        return builder.ToString().TrimEnd();
    }
}
