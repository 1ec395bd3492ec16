using System.Text.Json.Nodes;
using PaperBot.Discord.Tests.FakeDiscord;
using Microsoft.Extensions.DependencyInjection;
using PaperBot.Host;

namespace PaperBot.IntegrationTests;

/// <summary>/paper against the real host: metadata from a loopback arXiv API serving the real Atom fixture, stored, embedded and searchable at once.</summary>
public sealed class PaperCommandTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-paper-tests", Guid.NewGuid().ToString("N"));
    private FakeDiscordServer _discord = null!;
    private FakeArxivServer _arxiv = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _discord = await FakeDiscordServer.StartAsync();
        _arxiv = await FakeArxivServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _arxiv.DisposeAsync();
        await _discord.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans temp folders.
        }
    }

    private static JsonArray Subcommand(string name, params (string Name, int Type, JsonNode Value)[] options) =>
    [
        new JsonObject
        {
            ["name"] = name,
            ["type"] = 1,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["type"] = o.Type, ["value"] = o.Value }).ToArray()),
        },
    ];

    [Fact]
    public async Task PaperAdd_FromArxiv_IsStoredSearchableAndGuardedByManageServer()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Discord:Token"] = _discord.Token,
            ["Discord:ApiBaseUrl"] = _discord.ApiBaseUrl,
            ["Discord:GuildId"] = FakeDiscordServer.GuildId,
            ["Library:Path"] = Path.Combine(_folder, "library.db"),
            ["Library:SeedSampleWhenEmpty"] = "false",
            ["Arxiv:ApiBaseUrl"] = _arxiv.ApiBaseUrl,
        };
        var io = new AppIo(new StringReader(""), new StringWriter(), new StringWriter(), IsInteractive: false, settings);
        using var host = PaperBotApp.CreateBuilder(io, noVerb: true).Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = BotMode.RunAsync(host, io, timeout.Token);
        await FakeDiscordServer.WaitUntilAsync(() => _discord.Gateway.Live is not null, "bot READY", TimeSpan.FromMinutes(2));

        var denied = await _discord.DispatchCommandInAsync(FakeDiscordServer.ChannelId, "paper", Subcommand("add", ("source", 3, "2606.13677")), permissions: "2048");
        await FakeDiscordServer.WaitUntilAsync(() => denied.Original is not null, "refusal");
        var added = await _discord.DispatchCommandInAsync(FakeDiscordServer.ChannelId, "paper", Subcommand("add", ("source", 3, "https://arxiv.org/abs/2606.13677v1")), permissions: "32");
        await FakeDiscordServer.WaitUntilAsync(() => !added.Edits.IsEmpty, "/paper add answered", TimeSpan.FromMinutes(2));
        var missing = await _discord.DispatchCommandInAsync(FakeDiscordServer.ChannelId, "paper", Subcommand("add", ("source", 3, "2606.99999")), permissions: "32");
        await FakeDiscordServer.WaitUntilAsync(() => !missing.Followups.IsEmpty || !missing.Edits.IsEmpty, "unknown id answered", TimeSpan.FromMinutes(1));
        var search = await _discord.DispatchCommandAsync("search", new JsonArray(new JsonObject { ["name"] = "query", ["type"] = 3, ["value"] = "dexterous manipulation of articulated tools" }));
        await FakeDiscordServer.WaitUntilAsync(() => !search.Edits.IsEmpty, "/search answered", TimeSpan.FromMinutes(1));

        Assert.Equal("/paper needs the Manage Server permission.", denied.Original!["content"]!.GetValue<string>());
        Assert.Contains("Mana: Dexterous Manipulation of Articulated Tools", added.Edits.Single().ToJsonString());
        Assert.Contains("2606.13677", added.Edits.Single().ToJsonString());
        Assert.Contains("arXiv has no paper 2606.99999", missing.Followups.Concat(missing.Edits).Last().ToJsonString());
        Assert.Contains("Mana: Dexterous Manipulation", search.Edits.Single().ToJsonString());
        Assert.Contains(_arxiv.Queries, q => q.Contains("id_list=2606.13677", StringComparison.Ordinal));
        Assert.Empty(_discord.Violations);

        host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
