using System.Text.Json;
using PaperBot.Core.Commands;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Interactions;
using PaperBot.Discord.Tests.FakeDiscord;

namespace PaperBot.Discord.Tests.Interactions;

/// <summary>Subcommands, components, modals and permissions as the dispatcher sees them.</summary>
public sealed class InteractionComponentTests
{
    private static readonly CommandSpec Digest = new("digest", "Daily digests.", [],
    [
        new("subscribe", "Subscribe a channel.",
        [
            new("topics", "What the channel cares about", OptionKind.Text, Required: true, MaxLength: 20),
            new("max", "Papers per digest", OptionKind.WholeNumber, Required: false, MinValue: 1, MaxValue: 20),
        ]),
        new("list", "List subscriptions.", []),
    ], DefaultMemberPermissions: CommandSpec.ManageGuild);

    private static Interaction Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Interaction.Parse(doc.RootElement);
    }

    private static Interaction DigestSubscribe(string permissions, string topics = "moe", int max = 8) => Parse($$$"""
        {"id":"1","application_id":"2","type":2,"token":"t","guild_id":"9","channel_id":"8",
         "member":{"user":{"id":"7"},"permissions":"{{{permissions}}}"},
         "data":{"name":"digest","options":[{"type":1,"name":"subscribe","options":[
            {"name":"topics","type":3,"value":"{{{topics}}}"},{"name":"max","type":4,"value":{{{max}}}}]}]}}
        """);

    [Fact]
    public void Parse_Subcommand_NamesItAndFlattensItsOptions()
    {
        var interaction = DigestSubscribe("32");
        Assert.Equal("digest", interaction.CommandName);
        Assert.Equal("subscribe", interaction.SubcommandName);
        Assert.Equal("moe", interaction.Option("topics")!.AsString());
        Assert.Equal(32UL, interaction.MemberPermissions);
    }

    [Fact]
    public void Validate_MemberWithoutManageServer_IsRefusedServerSide()
    {
        Assert.Equal("/digest needs the Manage Server permission.", CommandOptionValidator.Validate(Digest, DigestSubscribe("2048")));
        Assert.Null(CommandOptionValidator.Validate(Digest, DigestSubscribe("32")));
        Assert.Null(CommandOptionValidator.Validate(Digest, DigestSubscribe("8"))); // administrator
    }

    [Fact]
    public void Validate_SubcommandOptions_AreCheckedAgainstTheSubcommandSpec()
    {
        Assert.Equal("`max` must be a whole number from 1 to 20.", CommandOptionValidator.Validate(Digest, DigestSubscribe("32", max: 40)));
        Assert.Equal("`topics` is too long (25 characters, at most 20).",
            CommandOptionValidator.Validate(Digest, DigestSubscribe("32", topics: new string('x', 25))));
    }

    [Fact]
    public void Parse_ButtonAndSelect_ReadCustomIdValuesAndMessage()
    {
        var interaction = Parse("""
            {"id":"1","application_id":"2","type":3,"token":"t","channel_id":"8","user":{"id":"7"},
             "message":{"id":"55"},"data":{"custom_id":"answer:summarize:42","component_type":3,"values":["2305.07759"]}}
            """);
        Assert.Equal(InteractionType.MessageComponent, interaction.Type);
        Assert.Equal("answer:summarize:42", interaction.CustomId);
        Assert.Equal(["2305.07759"], interaction.ComponentValues);
        Assert.Equal("55", interaction.MessageId);
        Assert.Null(interaction.MemberPermissions);
    }

    [Fact]
    public void Parse_CapturedModalSubmit_ReadsTheTextInputs()
    {
        using var doc = JsonDocument.Parse(FakePayloads.Load("gateway-dispatch-interaction-create-modal-submit.json").ToJsonString());
        var interaction = Interaction.Parse(doc.RootElement.GetProperty("d"));
        Assert.Equal("autoPings;add;match", interaction.CustomId);
        Assert.Equal("Hello, dad", interaction.ModalValues["texts"]);
    }

    [Fact]
    public void Build_CommandWithSubcommands_NestsThemAndSetsDefaultPermissions()
    {
        var json = CommandDefinitions.Build([Digest])[0]!;
        Assert.Equal(32, json["default_member_permissions"]!.GetValue<long>()); // Discord's OpenAPI types it as an integer
        var subscribe = json["options"]![0]!;
        Assert.Equal(1, subscribe["type"]!.GetValue<int>());
        Assert.Equal("topics", subscribe["options"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Fingerprint_ChangedSubcommandOption_Differs()
    {
        var changed = Digest with { Subcommands = [Digest.Subcommands![0] with { Description = "Other." }, Digest.Subcommands[1]] };
        Assert.NotEqual(CommandDefinitions.Fingerprint(CommandDefinitions.Build([Digest])), CommandDefinitions.Fingerprint(CommandDefinitions.Build([changed])));
    }

    [Fact]
    public void Split_MessageWithButtons_PutsThemUnderTheLastPart()
    {
        var message = DiscordMessage.Text(new string('a', 3000)) with
        {
            Components = [new ActionRow([new Button("Sources", "answer:sources:1"), new Button("Open", null, ButtonStyle.Link, Url: "https://arxiv.org")])],
        };
        var parts = MessageSplitter.Split(message);
        Assert.Equal(2, parts.Count);
        Assert.Empty(parts[0].ToJson()["components"]!.AsArray());
        var row = parts[1].ToJson()["components"]![0]!;
        Assert.Equal("answer:sources:1", row["components"]![0]!["custom_id"]!.GetValue<string>());
        Assert.Equal("https://arxiv.org", row["components"]![1]!["url"]!.GetValue<string>());
    }
}
