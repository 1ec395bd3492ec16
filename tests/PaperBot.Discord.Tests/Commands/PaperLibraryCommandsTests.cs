using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Core.Library;
using PaperBot.Discord.Commands.LibraryCommands;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.Commands;

/// <summary>/paper and option validation over the gateway, with a hand-written library editor.</summary>
public sealed class PaperLibraryCommandsTests : IAsyncLifetime
{
    private readonly FakeEditor _editor = new();
    private FakeDiscordServer _discord = null!;
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _discord = await FakeDiscordServer.StartAsync();
        _bot = await BotHarness.StartAsync(_discord, services: s => s.AddSingleton<IPaperLibraryEditor>(_editor));
        await _bot.WaitAsync(() => _discord.Gateway.Live is not null, "READY");
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _discord.DisposeAsync();
    }

    private static JsonArray Add(params (string Name, int Type, JsonNode Value)[] options) =>
    [
        new JsonObject
        {
            ["name"] = "add",
            ["type"] = 1,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["type"] = o.Type, ["value"] = o.Value }).ToArray()),
        },
    ];

    private async Task<string> RefusalAsync(string name, JsonArray options, Action<JsonObject>? edit = null, string permissions = "32")
    {
        var (json, fake) = _discord.NewInteraction(name, options);
        json["member"]!["permissions"] = permissions;
        edit?.Invoke(json);
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json);
        await _bot.WaitAsync(() => fake.Original is not null, "ephemeral refusal");
        Assert.Equal(64, fake.Original!["flags"]!.GetValue<int>());
        return fake.Original!["content"]!.GetValue<string>();
    }

    [Fact]
    public async Task PaperAdd_WithoutManageServer_IsRefusedOnTheServer()
    {
        var text = await RefusalAsync("paper", Add(("source", 3, "2305.07759")), permissions: "2048");

        Assert.Equal("/paper needs the Manage Server permission.", text);
        Assert.Empty(_editor.Added);
    }

    [Theory]
    [InlineData("not an id", "`source` must be an arXiv id")]
    [InlineData("https://example.com/abs/2305.07759", "`source` must be an arXiv id")]
    public async Task PaperAdd_BadSource_IsRefusedWithAClearMessage(string source, string expected)
    {
        Assert.StartsWith(expected, await RefusalAsync("paper", Add(("source", 3, source))), StringComparison.Ordinal);
        Assert.Empty(_editor.Added);
    }

    [Fact]
    public async Task PaperAdd_AttachmentThatIsNotAPdf_IsRefused()
    {
        var text = await RefusalAsync("paper", Add(("pdf", 11, "1111")), json => json["data"]!["resolved"] = new JsonObject
        {
            ["attachments"] = new JsonObject
            {
                ["1111"] = new JsonObject { ["id"] = "1111", ["filename"] = "notes.txt", ["url"] = "https://cdn.discordapp.com/attachments/1/2/notes.txt", ["content_type"] = "text/plain", ["size"] = 12 },
            },
        });

        Assert.Equal("`pdf` must be a PDF file.", text);
    }

    [Fact]
    public async Task PaperAdd_AttachmentIdNotInResolved_IsRefused()
    {
        Assert.Equal("`pdf` must be a file attached to the command.", await RefusalAsync("paper", Add(("pdf", 11, "999"))));
    }

    [Fact]
    public async Task Ask_ThreadOptionOfTheWrongType_IsRefused()
    {
        var options = new JsonArray(
            new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "What is TinyStories?" },
            new JsonObject { ["name"] = "thread", ["type"] = 5, ["value"] = "yes" });

        Assert.Equal("`thread` must be true or false.", await RefusalAsync("ask", options));
        Assert.Empty(_bot.Assistant.Calls);
    }

    [Fact]
    public async Task PaperAdd_ValidSource_ReplacesThinkingWithThePaper()
    {
        var (json, fake) = _discord.NewInteraction("paper", Add(("source", 3, "huggingface.co/papers/2305.07759")));
        json["member"]!["permissions"] = "32";
        await _discord.Gateway.DispatchAsync("INTERACTION_CREATE", json);
        await _bot.WaitAsync(() => !fake.Edits.IsEmpty, "paper shown");

        Assert.Equal(["huggingface.co/papers/2305.07759"], _editor.Added);
        Assert.Contains("TinyStories", fake.Edits.Single().ToJsonString());
        Assert.Empty(_discord.Violations);
    }

    private sealed class FakeEditor : IPaperLibraryEditor
    {
        private static readonly Paper Tiny = new("2305.07759", "TinyStories: How Small Can Language Models Be", ["R. Eldan"], "Small models.", null, ["cs.CL"], "https://arxiv.org/abs/2305.07759", null, DateTimeOffset.UnixEpoch);

        public List<string> Added { get; } = [];

        public Task<Paper> AddAsync(string? source, byte[]? pdf, string? pdfName, CancellationToken cancellationToken)
        {
            lock (Added)
            {
                Added.Add(source ?? pdfName ?? "");
            }

            return Task.FromResult(Tiny);
        }

        public Task<Paper> RemoveAsync(string reference, CancellationToken cancellationToken) => Task.FromResult(Tiny);

        public Task<Paper> ResolveAsync(string reference, CancellationToken cancellationToken) => Task.FromResult(Tiny);
    }
}
