using System.Text.Json;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Tests.FakeDiscord;

namespace PaperBot.Discord.Tests.Interactions;

public sealed class InteractionTests
{
    [Fact]
    public void Parse_DocumentedSlashCommand_ReadsMemberUserAndOptions()
    {
        using var doc = JsonDocument.Parse(FakePayloads.Load("interaction-slash-command.json").ToJsonString());
        var interaction = Interaction.Parse(doc.RootElement);
        Assert.Equal("786008729715212338", interaction.Id);
        Assert.Equal(InteractionType.ApplicationCommand, interaction.Type);
        Assert.Equal("cardsearch", interaction.CommandName);
        Assert.Equal("53908232506183680", interaction.UserId);
        Assert.Equal("The Gitrog Monster", interaction.Option("cardname")!.AsString());
    }

    [Fact]
    public void Parse_CapturedModalDispatch_ToleratesUnknownFields()
    {
        using var doc = JsonDocument.Parse(FakePayloads.Load("gateway-dispatch-interaction-create-modal-submit.json").ToJsonString());
        var interaction = Interaction.Parse(doc.RootElement.GetProperty("d"));
        Assert.Equal(InteractionType.ModalSubmit, interaction.Type);
        Assert.Equal("1016612301262041098", interaction.ApplicationId);
    }

    [Fact]
    public void Parse_Autocomplete_FindsTheFocusedOption()
    {
        using var doc = JsonDocument.Parse(FakePayloads.Load("http-interaction-autocomplete.json").ToJsonString());
        var interaction = Interaction.Parse(doc.RootElement);
        Assert.Equal("option", interaction.FocusedOption!.Name);
        Assert.Equal("first_option", interaction.FocusedOption.AsString());
    }

    [Fact]
    public void Parse_MissingToken_IsAFormatError()
    {
        using var doc = JsonDocument.Parse("{\"id\":\"1\",\"type\":2}");
        Assert.Throws<FormatException>(() => Interaction.Parse(doc.RootElement));
    }
}
