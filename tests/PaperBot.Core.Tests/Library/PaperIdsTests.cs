using PaperBot.Core.Library;

namespace PaperBot.Core.Tests.Library;

public sealed class PaperIdsTests
{
    [Theory]
    [InlineData("2305.07759", "2305.07759", 0)]
    [InlineData("2305.07759v2", "2305.07759", 2)]
    [InlineData("arXiv:2305.07759v11", "2305.07759", 11)]
    [InlineData("http://arxiv.org/abs/2606.13677v1", "2606.13677", 1)]
    [InlineData("https://arxiv.org/pdf/2606.13677v1.pdf", "2606.13677", 1)]
    [InlineData("hep-th/9901001v2", "hep-th/9901001", 2)]
    public void TryParseArxiv_KnownForms_GiveVersionlessIdAndVersion(string text, string id, int version)
    {
        Assert.True(PaperIds.TryParseArxiv(text, out var parsedId, out var parsedVersion));
        Assert.Equal(id, parsedId);
        Assert.Equal(version, parsedVersion);
    }

    [Theory]
    [InlineData("my-paper")]
    [InlineData("12345")]
    [InlineData("")]
    public void TryParseArxiv_OtherText_IsNotAnArxivId(string text) => Assert.False(PaperIds.TryParseArxiv(text, out _, out _));

    [Fact]
    public void SlugFromTitle_NormalizesCaseAccentsAndPunctuation()
    {
        Assert.Equal("impossible-distillation-from-low-quality-model-to-high-quality-dataset-model-for", PaperIds.SlugFromTitle("Impossible  Distillation: from Low-Quality Model to High-Quality Dataset & Model for Summarization and Paraphrasing"));
        Assert.Equal("resume-of-naive-models", PaperIds.SlugFromTitle("Résumé of naïve\nmodels!"));
        Assert.Equal("untitled", PaperIds.SlugFromTitle("!!!"));
    }
}
