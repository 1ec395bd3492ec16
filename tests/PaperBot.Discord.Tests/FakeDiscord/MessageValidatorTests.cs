using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>The fake's validator must reject what Discord rejects, or the other tests prove nothing.</summary>
public sealed class MessageValidatorTests
{
    private const string Followup = "/webhooks/{webhook_id}/{webhook_token}";

    [Fact]
    public void Schema_RejectsWrongTypesAndLimits()
    {
        var body = new JsonObject
        {
            ["content"] = new string('a', 2001),
            ["embeds"] = new JsonArray(new JsonObject { ["title"] = "t", ["color"] = "red" }),
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        };
        var errors = MessageValidator.ValidateSchema("POST", Followup, body);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Schema_AcceptsTheDocumentedInteractionResponse()
    {
        var body = FakePayloads.Load("interaction-response-channel-message.json");
        Assert.Empty(MessageValidator.ValidateSchema("POST", "/interactions/{interaction_id}/{interaction_token}/callback", body));
        Assert.Empty(MessageValidator.ValidateMessageLimits(body["data"]));
    }

    [Fact]
    public void Schema_RejectsAnUnknownCallbackShape()
    {
        var body = new JsonObject { ["type"] = "deferred" };
        Assert.NotEmpty(MessageValidator.ValidateSchema("POST", "/interactions/{interaction_id}/{interaction_token}/callback", body));
    }

    [Fact]
    public void Limits_RejectMissingAllowedMentionsAndOversizedEmbeds()
    {
        var body = new JsonObject
        {
            ["embeds"] = new JsonArray(
                new JsonObject { ["description"] = new string('d', 4000) },
                new JsonObject { ["description"] = new string('d', 2500) }),
        };
        var errors = MessageValidator.ValidateMessageLimits(body);
        Assert.Contains(errors, e => e.Contains("allowed_mentions"));
        Assert.Contains(errors, e => e.Contains("6000"));
    }

    [Fact]
    public void Limits_RejectParsingMentionsAndEmptyMessages()
    {
        var body = new JsonObject { ["content"] = "", ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray("everyone") } };
        var errors = MessageValidator.ValidateMessageLimits(body);
        Assert.Contains(errors, e => e.Contains("allowed_mentions"));
        Assert.Contains(errors, e => e.Contains("empty message"));
    }

    [Fact]
    public void CommandRules_CatchDocumentedMistakes()
    {
        var command = new JsonObject
        {
            ["name"] = "Bad Name",
            ["description"] = "",
            ["options"] = new JsonArray(
                new JsonObject { ["name"] = "opt", ["description"] = "optional", ["type"] = 3, ["required"] = false },
                new JsonObject
                {
                    ["name"] = "req", ["description"] = "required later", ["type"] = 3, ["required"] = true, ["autocomplete"] = true,
                    ["choices"] = new JsonArray(new JsonObject { ["name"] = "a", ["value"] = "a" }),
                }),
        };
        var problems = CommandRules.Check(command).ToList();
        Assert.Contains(problems, p => p.Contains("lowercase"));
        Assert.Contains(problems, p => p.Contains("description"));
        Assert.Contains(problems, p => p.Contains("after an optional"));
        Assert.Contains(problems, p => p.Contains("autocomplete with choices"));
        Assert.Empty(CommandRules.Check(FakePayloads.LoadObject("command-register-blep.json")));
    }
}
