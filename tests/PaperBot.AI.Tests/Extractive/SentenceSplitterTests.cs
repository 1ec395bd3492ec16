using PaperBot.AI.Extractive;

namespace PaperBot.AI.Tests.Extractive;

public sealed class SentenceSplitterTests
{
    [Fact]
    public void Split_Abbreviations_StayInsideTheSentence()
    {
        var sentences = SentenceSplitter.Split("Models such as GPT-4, e.g. Turbo, help. Smith et al. showed this works well. 3B models fit on CPUs! Short.");

        Assert.Equal(["Models such as GPT-4, e.g. Turbo, help.", "Smith et al. showed this works well.", "3B models fit on CPUs!"], sentences);
    }

    [Fact]
    public void Split_ParagraphBreak_EndsTheSentence()
    {
        var sentences = SentenceSplitter.Split("2 Method\n\nWe score each head by how often it copies the needle.\nIt takes a single pass over the data.");

        Assert.Equal(["We score each head by how often it copies the needle.", "It takes a single pass over the data."], sentences);
    }
}
