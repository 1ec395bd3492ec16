using PaperBot.Core.Library;
using PaperBot.Core.Search;
using PaperBot.Discord.Commands;

namespace PaperBot.Discord.Tests.Support;

/// <summary>An in-memory paper directory with a substring match, for search and autocomplete.</summary>
internal sealed class FakePaperDirectory : IPaperDirectory
{
    public List<Paper> Papers { get; } = [];

    public TimeSpan Delay { get; set; }

    public int WarmUps { get; private set; }

    public static Paper NewPaper(string id, string title) =>
        new(id, title, ["A. Author"], $"Abstract of {title}.", null, ["cs.CL"], $"https://arxiv.org/abs/{id}", null, DateTimeOffset.UnixEpoch);

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, CancellationToken cancellationToken)
    {
        await Task.Delay(Delay, cancellationToken);
        return Papers
            .Where(p => p.Title.Contains(query, StringComparison.OrdinalIgnoreCase) || p.Abstract.Contains(query, StringComparison.OrdinalIgnoreCase))
            .Take(top)
            .Select((p, i) => new SearchHit(p, 1.0 / (i + 1), 0.8 - (i * 0.01), new Passage(p.Id, 0, p.Title + ". " + p.Abstract)))
            .ToList();
    }

    public async Task<IReadOnlyList<Paper>> SuggestAsync(string partial, int limit, CancellationToken cancellationToken)
    {
        await Task.Delay(Delay, cancellationToken);
        return Papers.Where(p => p.Title.Contains(partial, StringComparison.OrdinalIgnoreCase) || p.Id.StartsWith(partial, StringComparison.Ordinal))
            .Take(limit).ToList();
    }

    public Task WarmUpAsync(CancellationToken cancellationToken)
    {
        WarmUps++;
        return Task.CompletedTask;
    }
}
