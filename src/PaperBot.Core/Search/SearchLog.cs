using Microsoft.Extensions.Logging;

namespace PaperBot.Core.Search;

/// <summary>Log messages of hybrid search (source-generated). Event ids 3000–3099 of this assembly. Queries only at Debug.</summary>
internal static partial class SearchLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Search index loaded: {Passages} passages ({Kind}) in {ElapsedMs} ms")]
    public static partial void IndexLoaded(this ILogger logger, int passages, string kind, double elapsedMs);
}
