namespace PaperBot.Core.Ingestion;

/// <summary>
/// Reports on the calling thread. <see cref="Progress{T}"/> posts to the thread pool, which reorders
/// reports and can deliver them after the work has finished.
/// </summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
