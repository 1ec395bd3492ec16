using System.Globalization;
using PaperBot.Core.Library;

namespace PaperBot.Core.Usage;

/// <summary>Model tokens spent per scope (a server) and UTC day, shared by every process on the library. One implementation per database.</summary>
public interface IUsageStore
{
    /// <summary>Adds tokens to the day's count (an upsert, safe across processes) and returns the new total.</summary>
    Task<long> AddAsync(string scope, DateOnly day, long tokens, CancellationToken cancellationToken = default);

    /// <summary>Tokens spent on that day.</summary>
    Task<long> GetAsync(string scope, DateOnly day, CancellationToken cancellationToken = default);
}
