using PaperBot.Discord.Interactions;
using PaperBot.Discord.Tests.FakeDiscord;

namespace PaperBot.Discord.Tests.Interactions;

public sealed class MessageSplitterTests
{
    private static void AssertValid(IReadOnlyList<DiscordMessage> messages)
    {
        foreach (var message in messages)
        {
            var json = message.ToJson();
            Assert.Empty(MessageValidator.ValidateMessageLimits(json));
            Assert.Empty(MessageValidator.ValidateSchema("POST", "/webhooks/{webhook_id}/{webhook_token}", json));
        }
    }

    [Fact]
    public void Split_ContentOf2000_StaysOneMessage()
    {
        var messages = MessageSplitter.Split(DiscordMessage.Text(new string('a', 2000)));
        Assert.Single(messages);
        Assert.Equal(2000, messages[0].Content!.Length);
    }

    [Fact]
    public void Split_ContentOf2001_BecomesTwoValidMessages()
    {
        var messages = MessageSplitter.Split(DiscordMessage.Text(new string('a', 2001)));
        Assert.Equal(2, messages.Count);
        Assert.Equal(2001, messages.Sum(m => m.Content!.Length));
        AssertValid(messages);
    }

    [Fact]
    public void SplitText_NeverCutsASurrogatePair()
    {
        // 1999 ASCII then an emoji (2 code units) straddling the 2000 boundary.
        var text = new string('a', 1999) + "😀" + new string('b', 10);
        var chunks = MessageSplitter.SplitText(text, 2000);
        Assert.Equal(1999, chunks[0].Length);
        Assert.StartsWith("😀", chunks[1]);
        Assert.Equal(text, string.Concat(chunks));
    }

    [Fact]
    public void SplitText_PrefersParagraphThenSentenceBreaks()
    {
        var first = new string('x', 1500) + ". Second sentence here.";
        var text = first + "\n\n" + new string('y', 1000);
        var chunks = MessageSplitter.SplitText(text, 2000);
        Assert.Equal(first, chunks[0]);

        var sentences = new string('x', 1200) + ". " + new string('y', 1200);
        chunks = MessageSplitter.SplitText(sentences, 2000);
        Assert.Equal(new string('x', 1200) + ".", chunks[0]);
    }

    [Fact]
    public void Truncate_EndsWithEllipsisWithinLimitAndKeepsPairs()
    {
        var truncated = MessageSplitter.Truncate(new string('a', 254) + "😀😀😀", 256);
        Assert.True(truncated.Length <= 256);
        Assert.EndsWith("…", truncated);
        Assert.False(char.IsHighSurrogate(truncated[^2]));
    }

    [Fact]
    public void Split_LongEmbedDescription_BecomesContinuationEmbeds()
    {
        var embed = new DiscordEmbed { Title = "T", Description = string.Join(" ", Enumerable.Repeat("word", 3000)), Footer = "footer" };
        var messages = MessageSplitter.Split(new DiscordMessage(null, [embed]));
        var embeds = messages.SelectMany(m => m.Embeds).ToList();
        Assert.True(embeds.Count >= 4);
        Assert.Equal("T", embeds[0].Title);
        Assert.Equal("footer", embeds[^1].Footer);
        AssertValid(messages);
    }

    [Fact]
    public void Split_FieldsOverLimits_AreSplitAcrossFieldsAndEmbeds()
    {
        var fields = Enumerable.Range(0, 40).Select(i => new EmbedField(new string('n', 300), string.Join(" ", Enumerable.Repeat("value", 400)))).ToList();
        var messages = MessageSplitter.Split(new DiscordMessage(null, [new DiscordEmbed { Title = "Many", Fields = fields }]));
        AssertValid(messages);
        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.InRange(m.Embeds.Sum(e => e.TextLength), 1, 6000));
    }

    [Fact]
    public void Split_MoreThanTenEmbeds_SpreadsOverMessages()
    {
        var embeds = Enumerable.Range(0, 23).Select(i => new DiscordEmbed { Title = $"#{i}", Description = "short" }).ToList();
        var messages = MessageSplitter.Split(new DiscordMessage("intro", embeds));
        Assert.Equal([10, 10, 3], messages.Select(m => m.Embeds.Count));
        Assert.Equal("intro", messages[0].Content);
        AssertValid(messages);
    }

    [Fact]
    public void Split_EmptyMessage_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => MessageSplitter.Split(new DiscordMessage("  ", [])));
    }

    [Fact]
    public void Split_RandomInputs_AlwaysValid()
    {
        var random = new Random(1234);
        string[] alphabet = ["a", "b", "c", " ", "d", "e", ".", "\n", "😀", "@", "ü"];
        string Text(int max) => string.Concat(Enumerable.Range(0, random.Next(1, max)).Select(_ => alphabet[random.Next(alphabet.Length)]));
        for (var round = 0; round < 60; round++)
        {
            var embeds = Enumerable.Range(0, random.Next(0, 14)).Select(_ => new DiscordEmbed
            {
                Title = random.Next(2) == 0 ? null : Text(400),
                Description = Text(9000),
                Footer = random.Next(2) == 0 ? null : Text(2500),
                AuthorName = random.Next(3) == 0 ? Text(300) : null,
                Fields = Enumerable.Range(0, random.Next(0, 30)).Select(_ => new EmbedField(Text(300), Text(2500))).ToList(),
            }).ToList();
            var message = new DiscordMessage(random.Next(2) == 0 ? null : Text(5000), embeds);
            if (string.IsNullOrWhiteSpace(message.Content) && embeds.Count == 0)
            {
                continue;
            }

            AssertValid(MessageSplitter.Split(message));
        }
    }

    [Fact]
    public void ToJson_AlwaysDisablesMentionParsing()
    {
        var json = DiscordMessage.Text("@everyone look").ToJson();
        Assert.Equal("{\"parse\":[]}", json["allowed_mentions"]!.ToJsonString());
    }
}
