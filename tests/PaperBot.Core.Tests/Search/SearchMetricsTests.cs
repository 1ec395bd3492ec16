using PaperBot.Core.Search;
using PaperBot.Core.Tests.Support;
using PaperBot.Testing;

namespace PaperBot.Core.Tests.Search;

/// <summary><c>paperbot.search.duration</c>, tagged with the ranking, read with a MeterListener.</summary>
public sealed class SearchMetricsTests
{
    private const string Duration = "paperbot.search.duration";

    [Theory]
    [InlineData(SearchMode.Hybrid, "hybrid")]
    [InlineData(SearchMode.LexicalOnly, "lexicalonly")]
    public async Task SearchAsync_AnyRanking_RecordsItsDurationTaggedWithTheRanking(SearchMode mode, string ranking)
    {
        using var library = new TestLibrary();
        using var metrics = new MetricCapture(Duration);

        await library.Search.SearchAsync("mixture of experts", 5, mode);

        Assert.Contains(metrics.Of(Duration, ("ranking", ranking)), m => m.Value >= 0);
    }

    [Fact]
    public async Task SearchPassagesAsync_AssistantsSearch_RecordsAHybridDuration()
    {
        using var library = new TestLibrary();
        using var metrics = new MetricCapture(Duration);

        await library.Search.SearchPassagesAsync("mixture of experts", 5);

        Assert.NotEmpty(metrics.Of(Duration, ("ranking", "hybrid")));
    }
}
