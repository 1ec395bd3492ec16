using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PaperBot.Core.Ingestion;

namespace PaperBot.Core.Feeds;

/// <summary>Kinds of feed source.</summary>
public enum FeedSourceKind
{
    /// <summary>The Hugging Face daily papers API, one request per day since the last successful fetch.</summary>
    HfDaily,

    /// <summary>The arXiv API (Atom) by category and/or query, newest first, paged, one request every 3 s.</summary>
    Arxiv,

    /// <summary>Any file or http(s) URL that <c>paperbot ingest</c> accepts.</summary>
    Url,
}

/// <summary>Where new papers come from. Section <c>Feeds</c>.</summary>
public sealed class FeedOptions
{
    public const string SectionName = "Feeds";

    /// <summary>Whether the bot fetches on its own (the <c>feeds fetch</c> verb works either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The sources, each with a unique name.</summary>
    public List<FeedSourceOptions> Sources { get; set; } = [];

    /// <summary>Time allowed for one HTTP attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one request with all its retries.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries after a 408, 429, 5xx, network error or attempt timeout (a Retry-After header is honoured).</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay (exponential with jitter after that) when the server gives no Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>arXiv asks for no more than one request every 3 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ArxivRequestSpacing { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a fetch round may hold the feed lease (renewed before each source) before another process on the
    /// same store may take it over, should this one die without giving it up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The source called <paramref name="name"/> (case-insensitive), or null.</summary>
    public FeedSourceOptions? Find(string name) =>
        Sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One feed source.</summary>
public sealed class FeedSourceOptions
{
    /// <summary>Unique name, shown in logs and <c>paperbot feeds list</c>.</summary>
    public string Name { get; set; } = "";

    public FeedSourceKind Kind { get; set; } = FeedSourceKind.HfDaily;

    public bool Enabled { get; set; } = true;

    /// <summary>How often the bot fetches this source.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// HfDaily: the API (default <c>https://huggingface.co/api/daily_papers</c>); Arxiv: the API
    /// (default <c>https://export.arxiv.org/api/query</c>); Url: the file path or URL to ingest.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Url sources: the input format (default detected).</summary>
    public IngestFormat Format { get; set; } = IngestFormat.Auto;

    /// <summary>Arxiv: categories such as <c>cs.CL</c> (any of them matches).</summary>
    public List<string> Categories { get; set; } = [];

    /// <summary>Arxiv: an arXiv search query (<c>all:"mixture of experts"</c>), combined with the categories by AND.</summary>
    public string? Query { get; set; }

    /// <summary>Arxiv: results per request (arXiv allows up to 2000; smaller pages are kinder).</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>Arxiv: most entries one fetch reads (newest first), however far the cursor is behind.</summary>
    public int MaxResults { get; set; } = 300;

    /// <summary>HfDaily: days fetched on the first run (today included), and the most a catch-up fetches.</summary>
    public int MaxDaysBack { get; set; } = 3;

    internal string ResolvedUrl => Kind switch
    {
        FeedSourceKind.HfDaily => string.IsNullOrWhiteSpace(Url) ? "https://huggingface.co/api/daily_papers" : Url,
        FeedSourceKind.Arxiv => string.IsNullOrWhiteSpace(Url) ? "https://export.arxiv.org/api/query" : Url,
        _ => Url ?? "",
    };
}

/// <summary>Checks what data annotations cannot: unique names and what each kind needs.</summary>
internal sealed class FeedOptionsValidator : IValidateOptions<FeedOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Sources.Count; i++)
        {
            var source = options.Sources[i];
            var where = $"Feeds:Sources:{i}";
            if (string.IsNullOrWhiteSpace(source.Name))
            {
                failures.Add($"{where}:Name is required.");
            }
            else if (!names.Add(source.Name))
            {
                failures.Add($"{where}:Name '{source.Name}' is used twice.");
            }

            if (source.Interval < TimeSpan.FromMinutes(1))
            {
                failures.Add($"{where}:Interval must be at least 00:01:00 (got {source.Interval}).");
            }

            switch (source.Kind)
            {
                case FeedSourceKind.Url when string.IsNullOrWhiteSpace(source.Url):
                    failures.Add($"{where}:Url is required for a Url source (a file path or an http(s) URL).");
                    break;
                case FeedSourceKind.Arxiv when source.Categories.Count == 0 && string.IsNullOrWhiteSpace(source.Query):
                    failures.Add($"{where}: an Arxiv source needs Categories (for example cs.CL) or a Query.");
                    break;
                case FeedSourceKind.Arxiv when source.PageSize is < 1 or > 2000 || source.MaxResults < 1:
                    failures.Add($"{where}: PageSize must be 1-2000 and MaxResults at least 1.");
                    break;
                case FeedSourceKind.HfDaily when source.MaxDaysBack is < 1 or > 30:
                    failures.Add($"{where}:MaxDaysBack must be 1-30 (got {source.MaxDaysBack}).");
                    break;
            }

            if (source.Kind != FeedSourceKind.Url && !string.IsNullOrWhiteSpace(source.Url)
                && !Uri.TryCreate(source.Url, UriKind.Absolute, out _))
            {
                failures.Add($"{where}:Url '{source.Url}' is not an absolute URL.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
