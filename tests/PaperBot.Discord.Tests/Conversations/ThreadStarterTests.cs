using PaperBot.Discord.Answers;
using PaperBot.Discord.Conversations;

namespace PaperBot.Discord.Tests.Conversations;

public sealed class ThreadStarterTests
{
    [Theory]
    [InlineData("<@123> <@!456> <@&789> <#42> @everyone @here How do   MoE models\nroute tokens?", "How do MoE models route tokens?")]
    [InlineData("@everyone", "PaperBot conversation")]
    [InlineData("   ", "PaperBot conversation")]
    [InlineData("mail me at a@b.org", "mail me at a@\u200bb.org")]
    public void ThreadName_RemovesMentionsAndWhitespace(string question, string expected)
    {
        Assert.Equal(expected, ThreadStarter.ThreadName(question));
    }

    [Fact]
    public void ThreadName_LongQuestion_FitsDiscordsLimit()
    {
        var name = ThreadStarter.ThreadName(string.Concat(Enumerable.Repeat("word ", 60)));

        Assert.Equal(ThreadStarter.MaxThreadName, name.Length);
        Assert.EndsWith("…", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("answer:src:42", "src", 42L)]
    [InlineData("answer:fum:7", "fum", 7L)]
    public void Parse_OwnCustomIds_GiveActionAndAnswerId(string customId, string action, long id)
    {
        Assert.Equal((action, id), AnswerComponents.Parse(customId));
    }

    [Theory]
    [InlineData("answer:src")]
    [InlineData("answer:src:-1")]
    [InlineData("digest:up:42")]
    [InlineData("answer:src:42:extra")]
    public void Parse_ForeignOrMalformedIds_IsNull(string customId)
    {
        Assert.Null(AnswerComponents.Parse(customId));
    }
}
