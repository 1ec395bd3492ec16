using PaperBot.Core.Ingestion;

namespace PaperBot.Core.Tests.Ingestion;

public sealed class PaperAdderTests
{
    [Theory]
    [InlineData("2305.07759", "2305.07759")]
    [InlineData("2305.07759v2", "2305.07759")]
    [InlineData("arXiv:2305.07759", "2305.07759")]
    [InlineData("https://arxiv.org/abs/2305.07759v1", "2305.07759")]
    [InlineData("arxiv.org/pdf/2305.07759", "2305.07759")]
    [InlineData("https://arxiv.org/pdf/2305.07759v3.pdf", "2305.07759")]
    [InlineData("https://huggingface.co/papers/2305.07759", "2305.07759")]
    [InlineData("<https://huggingface.co/papers/2305.07759>", "2305.07759")]
    public void TryParseSource_ArxivIdsAndKnownUrls_GiveTheVersionlessId(string source, string expected)
    {
        Assert.True(PaperAdder.TryParseSource(source, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("TinyStories")]
    [InlineData("https://example.com/abs/2305.07759")]
    [InlineData("https://huggingface.co/papers/not-an-id")]
    public void TryParseSource_AnythingElse_IsRefused(string source)
    {
        Assert.False(PaperAdder.TryParseSource(source, out _));
    }
}
